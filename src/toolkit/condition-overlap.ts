/**
 * Whether two conditions of one syscall can hold for the same call. Merge needs it where one input
 * answers a condition the other never names: "no rule for this condition" does not mean "the
 * otherwise answer" when another of its rules covers part of the same calls (podman's socket
 * ERRNO(EINVAL) for (AF_NETLINK, NETLINK_AUDIT) inside another input's "ALLOW if AF_NETLINK").
 *
 * Sound in one direction only: `false` is proven (no call meets both), `true` means "may". The
 * conditions of a rule are ANDed (runtimes do so when no index repeats; see argument-table.ts),
 * so two conditions are disjoint when, on some argument index, their comparisons exclude each
 * other. includes/excludes depend on the container and are never taken as disjoint.
 */
import type { CanonicalArg } from './normalize.js';
import type { Condition } from './effective.js';

const U64 = (1n << 64n) - 1n;
const big = (n: number) => BigInt(n) & U64;

/** The set of 64-bit values one comparison admits, as far as disjointness needs: a test. */
function admits(a: CanonicalArg, v: bigint): boolean {
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
      return (v & value) === big(a.valueTwo ?? 0);
  }
}

/** True unless the two comparisons of one argument provably admit no common value. */
function argsMayMeet(a: CanonicalArg, b: CanonicalArg): boolean {
  if (a.op === 'SCMP_CMP_EQ') return admits(b, big(a.value));
  if (b.op === 'SCMP_CMP_EQ') return admits(a, big(b.value));
  if (a.op === 'SCMP_CMP_MASKED_EQ' && b.op === 'SCMP_CMP_MASKED_EQ') {
    const common = big(a.value) & big(b.value);
    return (big(a.valueTwo ?? 0) & common) === (big(b.valueTwo ?? 0) & common);
  }
  const range = (x: CanonicalArg): [bigint, bigint] | undefined => {
    const v = big(x.value);
    if (x.op === 'SCMP_CMP_LT') return v === 0n ? [1n, 0n] : [0n, v - 1n];
    if (x.op === 'SCMP_CMP_LE') return [0n, v];
    if (x.op === 'SCMP_CMP_GT') return v === U64 ? [1n, 0n] : [v + 1n, U64];
    if (x.op === 'SCMP_CMP_GE') return [v, U64];
    return undefined;
  };
  const ra = range(a);
  const rb = range(b);
  if (ra && rb) return ra[0] <= ra[1] && rb[0] <= rb[1] && ra[0] <= rb[1] && rb[0] <= ra[1];
  return true;
}

export function mayOverlap(x: Condition, y: Condition): boolean {
  for (const a of x.args ?? []) for (const b of y.args ?? []) if (a.index === b.index && !argsMayMeet(a, b)) return false;
  return true;
}
