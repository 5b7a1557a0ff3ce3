import { describe, expect, it } from 'vitest';
import { MAX_BASE_BYTES, MAX_BASE_DEPTH, checkPathValue, jsonDepth, storedBase } from '../../src/state/limits.js';
import { seccompGenErrorOf } from '../helpers.js';

describe('paths', () => {
  it('refuses a path over PATH_MAX (a 120 KB of: was accepted, then failed at poststop)', () => {
    const e = seccompGenErrorOf(() => checkPathValue(`/tmp/${'a'.repeat(120_000)}`, 'of:'));
    expect(e.message).toBe('of: is 120005 bytes long, over PATH_MAX (4096): use a shorter path');
    expect(() => checkPathValue(`/tmp/${'a'.repeat(4000)}`, 'of:')).not.toThrow();
  });

  it('refuses control, C1 and bidi characters, quoting the path harmlessly', () => {
    for (const bad of ['/tmp/a\x1b[2K\rb', '/tmp/a\nb', '/tmp/\u009bx', '/tmp/\u202egnp.json']) {
      const e = seccompGenErrorOf(() => checkPathValue(bad, 'of:'));
      expect(e.message).toMatch(/^of: ".*" contains control or bidi characters: use a plain path$/);
      expect(e.message).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    }
    expect(() => checkPathValue('/home/a user/é.json', 'of:')).not.toThrow();
  });
});

describe('the if: base', () => {
  it('measures nesting', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({ a: [{ b: [] }] })).toBe(4);
  });

  it('refuses JSON nested deeper than the limit (1,400 levels were accepted)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1400; i++) deep = [deep];
    expect(seccompGenErrorOf(() => storedBase({ defaultAction: 'SCMP_ACT_ERRNO', x: deep })).message).toBe(`if: nests JSON more than ${MAX_BASE_DEPTH} deep: a seccomp profile needs 5 levels`);
  });

  it('refuses a base over the size limit, saying its size', () => {
    const huge = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: Array.from({ length: 200_000 }, (_, i) => `n${i}`), action: 'SCMP_ACT_ALLOW' }] };
    expect(seccompGenErrorOf(() => storedBase(huge)).message).toMatch(new RegExp(`^if: is \\d+ bytes as compact JSON, over the ${MAX_BASE_BYTES}-byte limit: use a smaller base profile$`));
  });

  it('stores a base compactly', () => {
    expect(storedBase({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] })).toBe('{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}');
  });
});
