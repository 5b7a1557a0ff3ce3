/**
 * profile/conditions.ts against a plain evaluator, on random conditions over two argument indices
 * and argument values chosen at the edges (0, small numbers, 2^31, 2^32, 2^63, 2^64 - 1): what it
 * proves (no overlap, implication) holds for every value tried, and `outside` never admits a call
 * it should not, and when it says it is exact, misses none.
 */
import { describe, expect, it } from 'vitest';
import { conjunctionImplies, conjunctionsOf, mayOverlap, outside, type Comparison, type Conjunction } from '../../src/profile/conditions.js';
import type { Operator } from '../../src/profile/schema.js';

const U64 = (1n << 64n) - 1n;
const VALUES = [0n, 1n, 2n, 3n, 5n, 8n, 9n, 15n, 16n, 0x80n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, (1n << 32n) + 1n, 1n << 63n, U64];
const POINTS = VALUES.flatMap((a) => VALUES.map((b) => [a, b] as const));

/** The plain evaluator: what each comparison admits, as the kernel's filter compares. */
const ADMITS: Record<Operator, (v: bigint, value: bigint, two: bigint) => boolean> = {
  SCMP_CMP_EQ: (v, x) => v === x,
  SCMP_CMP_NE: (v, x) => v !== x,
  SCMP_CMP_LT: (v, x) => v < x,
  SCMP_CMP_LE: (v, x) => v <= x,
  SCMP_CMP_GT: (v, x) => v > x,
  SCMP_CMP_GE: (v, x) => v >= x,
  SCMP_CMP_MASKED_EQ: (v, mask, datum) => (v & mask) === datum,
};
const admits = (c: Comparison, v: bigint) => ADMITS[c.op](v, BigInt(c.value), BigInt(c.valueTwo ?? 0));
const holds = (c: Conjunction, p: readonly bigint[]) => c.every((x) => admits(x, p[x.index]!));

/** A small deterministic generator (mulberry32), so a failure is the same every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const OPS: Operator[] = ['SCMP_CMP_EQ', 'SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_GT', 'SCMP_CMP_GE', 'SCMP_CMP_MASKED_EQ'];
const NUMBERS = [0, 1, 2, 3, 8, 9, 15, 16, 0x80000000, 0xffffffff];
const MASKS = [1, 3, 8, 9, 15, 0xff, 0xffffffff];

function comparison(next: () => number, index: number): Comparison {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const op = pick(OPS);
  if (op !== 'SCMP_CMP_MASKED_EQ') return { index, value: pick(NUMBERS), op };
  const mask = pick(MASKS);
  const datum = next() < 0.1 ? 0x100 : (pick(NUMBERS) & mask) >>> 0; // now and then a datum outside the mask: admits nothing
  return { index, value: mask, valueTwo: datum, op };
}
function conjunction(next: () => number): Conjunction {
  return [0, 1].filter(() => next() < 0.7).map((i) => comparison(next, i));
}

describe('profile/conditions', () => {
  const next = random(24);
  const cases = Array.from({ length: 3000 }, () => [conjunction(next), conjunction(next)] as const);

  it('mayOverlap is false only when no call meets both', () => {
    let proven = 0;
    for (const [a, b] of cases) {
      if (mayOverlap({ args: a }, { args: b })) continue;
      proven++;
      expect(POINTS.filter((p) => holds(a, p) && holds(b, p)), JSON.stringify([a, b])).toEqual([]);
    }
    expect(proven).toBeGreaterThan(300);
  });

  it('conjunctionImplies is true only when every call of the first meets the second', () => {
    let proven = 0;
    for (const [a, b] of cases) {
      if (!conjunctionImplies(a, b)) continue;
      proven++;
      expect(POINTS.filter((p) => holds(a, p) && !holds(b, p)), JSON.stringify([a, b])).toEqual([]);
    }
    expect(proven).toBeGreaterThan(300);
  });

  it('outside(a, b) admits only calls of a that b does not, each part one rule (one condition per index), and all of them when exact', () => {
    let inexact = 0;
    for (const [a, b] of cases) {
      const { rest, exact } = outside(a, b);
      const what = JSON.stringify([a, b, rest]);
      for (const part of rest) expect(new Set(part.map((c) => c.index)).size, what).toBe(part.length);
      const admitted = (p: readonly bigint[]) => rest.some((part) => holds(part, p));
      expect(POINTS.filter((p) => admitted(p) && !(holds(a, p) && !holds(b, p))), what).toEqual([]);
      if (exact) expect(POINTS.filter((p) => holds(a, p) && !holds(b, p) && !admitted(p)), what).toEqual([]);
      else inexact++;
    }
    // ranges and NE met on one index are the only cases one rule cannot say
    expect(inexact).toBeLessThan(cases.length / 4);
  });

  it('reads a rule as the runtimes do: one index tested twice makes each condition a rule of its own', () => {
    const eq = (index: number, value: number): Comparison => ({ index, value, op: 'SCMP_CMP_EQ' });
    expect(conjunctionsOf(undefined)).toEqual([[]]);
    expect(conjunctionsOf([])).toEqual([[]]);
    expect(conjunctionsOf([eq(0, 1), eq(1, 2)])).toEqual([[eq(0, 1), eq(1, 2)]]);
    expect(conjunctionsOf([eq(0, 1), eq(0, 2), eq(1, 3)])).toEqual([[eq(0, 1)], [eq(0, 2)], [eq(1, 3)]]);
  });
});
