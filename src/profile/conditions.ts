/**
 * The calls a rule's argument conditions admit, as sets: whether two rules can meet, whether one
 * holds all the other does, and what is left of one outside another. Merge needs the first
 * (toolkit/merge.ts: an input's rule that covers part of a condition another input names), the
 * if: extension all three (profile/extend.ts: a base rule decides only the calls it matches).
 * Pure; plain data, no zod: the hook path uses it.
 *
 * How the runtimes read a rule's conditions (syscalls/argument-table.ts): ANDed, unless two of
 * them test one argument index, and then each is a rule of its own (ORed). `conjunctionsOf` says
 * that; everything else here works on conjunctions with at most one condition per index, the
 * only kind that can be written back as one rule.
 *
 * Values are 64-bit (BigInt inside). JSON numbers above 2^53 are not exact to begin with; what is
 * computed here is exact for every value a profile can carry exactly.
 */
import type { Operator } from './schema.js';

/** One argument condition, as a profile writes it (MASKED_EQ: value = mask, valueTwo = datum). */
export interface Comparison {
  index: number;
  value: number;
  valueTwo?: number | undefined;
  op: Operator;
}

/** Conditions ANDed, at most one per argument index. The empty one admits every call. */
export type Conjunction = readonly Comparison[];

const U64 = (1n << 64n) - 1n;
const big = (n: number | undefined) => BigInt(n ?? 0) & U64;

/** Whether a comparison admits the 64-bit value `v`. */
function admits(a: Comparison, v: bigint): boolean {
  const value = big(a.value);
  switch (a.op) {
    case 'SCMP_CMP_EQ':
      return v === value;
    case 'SCMP_CMP_NE':
      return v !== value;
    case 'SCMP_CMP_LT':
      return v < value;
    case 'SCMP_CMP_LE':
      return v <= value;
    case 'SCMP_CMP_GT':
      return v > value;
    case 'SCMP_CMP_GE':
      return v >= value;
    case 'SCMP_CMP_MASKED_EQ':
      return (v & value) === big(a.valueTwo);
  }
}

/** The interval [lo, hi] a comparison admits, when it is one (empty: lo > hi). */
function interval(a: Comparison): [bigint, bigint] | undefined {
  const v = big(a.value);
  switch (a.op) {
    case 'SCMP_CMP_EQ':
      return [v, v];
    case 'SCMP_CMP_LT':
      return v === 0n ? [1n, 0n] : [0n, v - 1n];
    case 'SCMP_CMP_LE':
      return [0n, v];
    case 'SCMP_CMP_GT':
      return v === U64 ? [1n, 0n] : [v + 1n, U64];
    case 'SCMP_CMP_GE':
      return [v, U64];
    default:
      return undefined;
  }
}

/** The smallest interval holding every value a comparison admits. */
function hull(a: Comparison): [bigint, bigint] {
  if (a.op === 'SCMP_CMP_MASKED_EQ') return [big(a.valueTwo), big(a.valueTwo) | (~big(a.value) & U64)];
  return interval(a) ?? [0n, U64];
}

/** A MASKED_EQ whose datum has bits outside its mask, or an empty range: admits nothing. */
function empty(a: Comparison): boolean {
  if (a.op === 'SCMP_CMP_MASKED_EQ') return (big(a.valueTwo) & ~big(a.value)) !== 0n;
  const r = interval(a);
  return r !== undefined && r[0] > r[1];
}

/** Admits every value: a condition that says nothing (MASKED_EQ with mask 0, GE 0, LE max). */
function everything(a: Comparison): boolean {
  const [lo, hi] = hull(a);
  return a.op !== 'SCMP_CMP_NE' && lo === 0n && hi === U64 && !empty(a);
}

/** True unless the two comparisons of one argument provably admit no common value. */
function argsMayMeet(a: Comparison, b: Comparison): boolean {
  if (empty(a) || empty(b)) return false;
  if (a.op === 'SCMP_CMP_EQ') return admits(b, big(a.value));
  if (b.op === 'SCMP_CMP_EQ') return admits(a, big(b.value));
  if (a.op === 'SCMP_CMP_MASKED_EQ' && b.op === 'SCMP_CMP_MASKED_EQ') {
    const common = big(a.value) & big(b.value);
    return (big(a.valueTwo) & common) === (big(b.valueTwo) & common);
  }
  const ra = interval(a);
  const rb = interval(b);
  if (ra && rb) return ra[0] <= rb[1] && rb[0] <= ra[1];
  return true;
}

/**
 * Whether two conditions of one syscall can hold for the same call. Sound in one direction only:
 * `false` is proven (no call meets both), `true` means "may". Conditions are read ANDed, so two
 * are disjoint when, on some argument index, their comparisons exclude each other.
 */
export function mayOverlap(x: { args?: readonly Comparison[] | undefined }, y: { args?: readonly Comparison[] | undefined }): boolean {
  for (const a of x.args ?? []) for (const b of y.args ?? []) if (a.index === b.index && !argsMayMeet(a, b)) return false;
  return true;
}

/** Whether every value `a` admits, `b` admits too (sound: `true` is proven). */
function implies(a: Comparison, b: Comparison): boolean {
  if (empty(a) || everything(b)) return true;
  if (empty(b)) return false;
  if (a.op === 'SCMP_CMP_EQ') return admits(b, big(a.value));
  switch (b.op) {
    case 'SCMP_CMP_EQ':
      return false; // a admits more than one value (a single-value range is an EQ written otherwise)
    case 'SCMP_CMP_NE':
      return a.op === 'SCMP_CMP_NE' ? big(a.value) === big(b.value) : a.op === 'SCMP_CMP_MASKED_EQ' || interval(a) ? !admits(a, big(b.value)) : false;
    case 'SCMP_CMP_MASKED_EQ':
      // a's mask covers b's, and agrees with it there
      return a.op === 'SCMP_CMP_MASKED_EQ' && (big(b.value) & ~big(a.value)) === 0n && (big(a.valueTwo) & big(b.value)) === big(b.valueTwo);
    default: {
      const [lo, hi] = hull(a);
      const [blo, bhi] = interval(b)!;
      return blo <= lo && hi <= bhi;
    }
  }
}

/** What the runtimes make of a rule's conditions: the conjunctions it allows, ORed. */
export function conjunctionsOf(args: readonly Comparison[] | null | undefined): Conjunction[] {
  if (!args?.length) return [[]];
  const indices = new Set(args.map((a) => a.index));
  return indices.size === args.length ? [args] : args.map((a) => [a]);
}

/** Whether every call `a` admits, `b` admits too (sound: `true` is proven). */
export function conjunctionImplies(a: Conjunction, b: Conjunction): boolean {
  if (a.some(empty)) return true;
  return b.every((c) => everything(c) || a.some((x) => x.index === c.index && implies(x, c)));
}

/** The comparison that admits exactly the values another refuses (all but MASKED_EQ have one). */
const OPPOSITE: Partial<Record<Operator, Operator>> = {
  SCMP_CMP_EQ: 'SCMP_CMP_NE',
  SCMP_CMP_NE: 'SCMP_CMP_EQ',
  SCMP_CMP_LT: 'SCMP_CMP_GE',
  SCMP_CMP_LE: 'SCMP_CMP_GT',
  SCMP_CMP_GT: 'SCMP_CMP_LE',
  SCMP_CMP_GE: 'SCMP_CMP_LT',
};

/** The calls a comparison refuses, as comparisons ORed. */
function negation(a: Comparison): Comparison[] {
  const { index } = a;
  const opposite = OPPOSITE[a.op];
  if (opposite) return [{ index, value: a.value, op: opposite }];
  if (empty(a)) return [{ index, value: 0, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }];
  // (x & mask) != datum: some bit of the mask differs from the datum's, one rule per bit.
  const mask = big(a.value);
  const datum = big(a.valueTwo);
  const out: Comparison[] = [];
  for (let bit = 1n; bit <= mask; bit <<= 1n) {
    if ((mask & bit) !== 0n) out.push({ index, value: Number(bit), valueTwo: Number((datum & bit) ^ bit), op: 'SCMP_CMP_MASKED_EQ' });
  }
  return out;
}

/** Both comparisons of one index as one: null when they never meet, undefined when one cannot say it. */
function both(a: Comparison, b: Comparison): Comparison | null | undefined {
  if (!argsMayMeet(a, b)) return null;
  if (implies(a, b)) return a;
  if (implies(b, a)) return b;
  if (a.op === 'SCMP_CMP_MASKED_EQ' && b.op === 'SCMP_CMP_MASKED_EQ') {
    return { index: a.index, value: Number(big(a.value) | big(b.value)), valueTwo: Number(big(a.valueTwo) | big(b.valueTwo)), op: 'SCMP_CMP_MASKED_EQ' };
  }
  const ra = interval(a);
  const rb = interval(b);
  if (ra && rb) {
    const lo = ra[0] > rb[0] ? ra[0] : rb[0];
    const hi = ra[1] < rb[1] ? ra[1] : rb[1];
    if (lo === hi) return { index: a.index, value: Number(lo), op: 'SCMP_CMP_EQ' };
    if (lo === 0n) return { index: a.index, value: Number(hi), op: 'SCMP_CMP_LE' };
    if (hi === U64) return { index: a.index, value: Number(lo), op: 'SCMP_CMP_GE' };
  }
  return undefined;
}

/** `c` added to a conjunction: null when nothing is left, undefined when it cannot be one rule. */
function and(conjunction: Conjunction, c: Comparison): Conjunction | null | undefined {
  if (everything(c)) return conjunction;
  const i = conjunction.findIndex((x) => x.index === c.index);
  if (i < 0) return [...conjunction, c].sort((x, y) => x.index - y.index);
  const merged = both(conjunction[i]!, c);
  if (merged === null || merged === undefined) return merged;
  return conjunction.map((x, j) => (j === i ? merged : x));
}

const keyOf = (c: Conjunction) => JSON.stringify(c.map((a) => [a.index, a.op, a.value, a.op === 'SCMP_CMP_MASKED_EQ' ? (a.valueTwo ?? 0) : 0]));

/** Conjunctions of which none is held by another (they are ORed: a held one adds nothing). */
function fewest(all: Conjunction[]): Conjunction[] {
  const unique = [...new Map(all.map((c) => [keyOf(c), c])).values()];
  return unique.filter((c, i) => !unique.some((d, j) => j !== i && conjunctionImplies(c, d) && (!conjunctionImplies(d, c) || j < i)));
}

export interface Remainder {
  /** The calls of `of` outside `without`, as conjunctions ORed (none: `without` holds them all). */
  rest: Conjunction[];
  /**
   * false when part of that could not be written as rules (two comparisons of one index that no
   * single one says, e.g. x != 1 and x != 2): that part is left out, so `rest` refuses more than
   * the exact difference, never less.
   */
  exact: boolean;
}

/** The calls `of` admits that `without` does not. */
export function outside(of: Conjunction, without: Conjunction): Remainder {
  if (!mayOverlap({ args: of }, { args: without })) return { rest: [of], exact: true };
  if (conjunctionImplies(of, without)) return { rest: [], exact: true };
  const rest: Conjunction[] = [];
  let exact = true;
  // not (c1 and c2 …) = (not c1) or (not c2) …; each "not" is one or more comparisons, ORed
  for (const c of without) {
    for (const n of negation(c)) {
      const piece = and(of, n);
      if (piece === undefined) exact = false;
      else if (piece !== null) rest.push(piece);
    }
  }
  return { rest: fewest(rest), exact };
}
