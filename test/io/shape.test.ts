import { describe, expect, it } from 'vitest';
import { ShapeError, integer, isObject, object, optionalInteger, optionalString, string, stringArray, stringRecord } from '../../src/io/shape.js';

const fails = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof ShapeError ? e.message : `not a ShapeError: ${String(e)}`;
  }
  return 'did not throw';
};

describe('shape checks', () => {
  it('isObject: plain objects only', () => {
    expect([{}, { a: 1 }].map(isObject)).toEqual([true, true]);
    expect([null, [], 'x', 1, undefined].map(isObject)).toEqual([false, false, false, false, false]);
  });

  it('say where and what was expected', () => {
    expect(fails(() => object([], 'record'))).toBe('record: expected an object');
    expect(fails(() => string(1, 'id'))).toBe('id: expected a string');
    expect(fails(() => integer(1.5, 'pid'))).toBe('pid: expected an integer');
    expect(fails(() => integer(0, 'pid', 1))).toBe('pid: expected at least 1');
    expect(fails(() => stringArray(['a', 2], 'command'))).toBe('command[1]: expected a string');
    expect(fails(() => stringArray('a', 'command'))).toBe('command: expected an array');
    expect(fails(() => stringRecord({ a: 'x', b: 2 }, 'env'))).toBe('env.b: expected a string');
  });

  it('hand the value back when it fits; optional ones let undefined through, not null', () => {
    expect(integer(5, 'n', 1)).toBe(5);
    expect(stringArray(['a'], 'x')).toEqual(['a']);
    expect(stringRecord({ a: 'b' }, 'x')).toEqual({ a: 'b' });
    expect(optionalString(undefined, 'x')).toBeUndefined();
    expect(optionalInteger(undefined, 'x', 0)).toBeUndefined();
    expect(optionalInteger(3, 'x', 0)).toBe(3);
    expect(fails(() => optionalString(null, 'x'))).toBe('x: expected a string');
    expect(fails(() => optionalInteger(-1, 'x', 0))).toBe('x: expected at least 0');
  });
});
