import { describe, expect, it } from 'vitest';
import { JsonSyntaxError, addMembers, appendItems, applyEdits, membersNamed, removeMember, replaceValue, scanJson, valueOf, type JsonNode } from '../../src/io/json-spans.js';

const obj = (n: JsonNode) => {
  if (n.kind !== 'object') throw new Error('not an object');
  return n;
};
const arr = (n: JsonNode) => {
  if (n.kind !== 'array') throw new Error('not an array');
  return n;
};
const member = (text: string, n: JsonNode, key: string) => membersNamed(obj(n), key)[0]!;

describe('scanJson', () => {
  it('places every value, and reads each as JSON.parse does', () => {
    const text = ' {"a": [1, "x\\"y", null], "b": {"c": -2.5e3}} ';
    const top = scanJson(text);
    expect(text.slice(top.start, top.end)).toBe('{"a": [1, "x\\"y", null], "b": {"c": -2.5e3}}');
    const a = arr(member(text, top, 'a'));
    expect(a.items.map((i) => valueOf(text, i))).toEqual([1, 'x"y', null]);
    expect(valueOf(text, member(text, member(text, top, 'b'), 'c'))).toBe(-2500);
  });

  it('keeps numbers as their text: a uint64 is not rounded', () => {
    const text = '{"hard":18446744073709551615}';
    const edited = applyEdits(text, [addMembers(text, obj(scanJson(text)), [['soft', 1]])]);
    expect(edited).toBe('{"hard":18446744073709551615,"soft":1}');
  });

  it('sees duplicate keys (JSON.parse silently keeps the last)', () => {
    const text = '{"hooks":{},"hooks":null}';
    expect(membersNamed(obj(scanJson(text)), 'hooks')).toHaveLength(2);
  });

  it('throws with the offset of the first error', () => {
    for (const [text, offset] of [['{"a" 1}', 5], ['[1,]', 3], ['{}x', 2], ['{"a":', 5], ['tru', 3]] as const) {
      expect(() => scanJson(text)).toThrow(JsonSyntaxError);
      try {
        scanJson(text);
      } catch (e) {
        expect([text, (e as JsonSyntaxError).offset]).toEqual([text, offset]);
      }
    }
  });
});

describe('edits that keep the rest of the text', () => {
  it('adds members to a compact object, and to an empty one', () => {
    const text = '{"a":1,"b":{}}';
    const top = obj(scanJson(text));
    const b = obj(member(text, top, 'b'));
    const out = applyEdits(text, [addMembers(text, top, [['c', [true]], ['d', 'x']]), addMembers(text, b, [['e', null]])]);
    expect(out).toBe('{"a":1,"b":{"e":null},"c":[true],"d":"x"}');
    expect(JSON.parse(out)).toEqual({ a: 1, b: { e: null }, c: [true], d: 'x' });
  });

  it('lays out an added member as its neighbours in a file written for people', () => {
    const text = '{\n    "debug": true,\n    "runtimes": {\n        "x": {"path": "/x"}\n    }\n}\n';
    const top = obj(scanJson(text));
    const out = applyEdits(text, [addMembers(text, obj(member(text, top, 'runtimes')), [['sg', { path: '/sg', runtimeArgs: ['a'] }]])]);
    expect(out).toBe('{\n    "debug": true,\n    "runtimes": {\n        "x": {"path": "/x"},\n        "sg": {\n            "path": "/sg",\n            "runtimeArgs": [\n                "a"\n            ]\n        }\n    }\n}\n');
    expect(JSON.parse(out).runtimes.sg).toEqual({ path: '/sg', runtimeArgs: ['a'] });
  });

  it('appends items to arrays, empty or not', () => {
    const text = '{"p":[{"path":"/a"}],"q":[]}';
    const top = obj(scanJson(text));
    const out = applyEdits(text, [appendItems(text, arr(member(text, top, 'p')), [{ path: '/b' }]), appendItems(text, arr(member(text, top, 'q')), [1, 2])]);
    expect(out).toBe('{"p":[{"path":"/a"},{"path":"/b"}],"q":[1,2]}');
  });

  it('replaces a value in place', () => {
    const text = '{"env":["A=1","T=x"],"n":2}';
    const out = applyEdits(text, [replaceValue(text, member(text, scanJson(text), 'env'), ['A=1'])]);
    expect(out).toBe('{"env":["A=1"],"n":2}');
  });

  it('removes a member with its comma, wherever it is', () => {
    const text = '{\n  "a": 1,\n  "b": 2,\n  "c": 3\n}';
    const top = obj(scanJson(text));
    expect(applyEdits(text, [removeMember(top, 0)])).toBe('{\n  "b": 2,\n  "c": 3\n}');
    expect(applyEdits(text, [removeMember(top, 1)])).toBe('{\n  "a": 1,\n  "c": 3\n}');
    expect(applyEdits(text, [removeMember(top, 2)])).toBe('{\n  "a": 1,\n  "b": 2\n}');
    const one = '{ "a": 1 }';
    expect(applyEdits(one, [removeMember(obj(scanJson(one)), 0)])).toBe('{}');
  });

  it('refuses overlapping edits', () => {
    expect(() => applyEdits('[1,2]', [{ start: 0, end: 3, text: '' }, { start: 2, end: 4, text: '' }])).toThrow(/overlapping/);
  });
});
