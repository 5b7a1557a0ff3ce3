import { describe, expect, it } from 'vitest';
import { parseWithBigints, stringifyWithBigints } from '../../src/io/bigint-json.js';

describe('JSON with bigints and Maps (the broker wire and its kept recordings)', () => {
  it('round-trips what the recorder reads: flags as a bigint, argument values as a Map', () => {
    const recorded = { flags: 1n << 40n, syscalls: { 0: [0, 1, 59] }, arguments: new Map<string, number[][] | 'overflow'>([['socket', [[1, 1, 0]]], ['ioctl', 'overflow']]) };
    const back = parseWithBigints(stringifyWithBigints(recorded)) as typeof recorded;
    expect(back.flags).toBe(1n << 40n);
    expect(back.arguments).toBeInstanceOf(Map);
    expect([...back.arguments]).toEqual([['socket', [[1, 1, 0]]], ['ioctl', 'overflow']]);
    expect(back.syscalls).toEqual(recorded.syscalls);
  });
  it('leaves look-alikes with other keys as plain objects', () => {
    expect(parseWithBigints('{"$bigint":"1","x":2}')).toEqual({ $bigint: '1', x: 2 });
    expect(parseWithBigints('{"$map":5}')).toEqual({ $map: 5 });
    expect(parseWithBigints('{"$bigint":"1e3"}')).toEqual({ $bigint: '1e3' });
  });
});
