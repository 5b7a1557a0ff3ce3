/**
 * Where a namespace's target lives in the recorder's array (bpf/recorder.h): open addressing,
 * first slot sg_slot_of(inum), then the next ones, at most PROBES. Pure, so the probing rules can
 * be tested without a kernel; recorder.ts applies them to the real map.
 */
import { HASH_MULTIPLIER, PROBES, SLOT_BITS, SLOTS } from './abi.js';

/** sg_slot_of(): (u32)(inum * 2654435761) >> (32 - SLOT_BITS). */
export function slotOf(inum: number): number {
  return (Math.imul(inum, HASH_MULTIPLIER) >>> 0) >>> (32 - SLOT_BITS);
}

/** The slots probed for `inum`, in order. */
export function probeSequence(inum: number): number[] {
  const first = slotOf(inum);
  return Array.from({ length: PROBES }, (_, i) => (first + i) & (SLOTS - 1));
}

export type SlotState = { kind: 'empty' } | { kind: 'tombstone' } | { kind: 'used'; matches: boolean };

/**
 * Where to put a new target, given what each probed slot holds: 'exists' if the namespace is
 * already there, else the first empty or tombstone slot, else 'full'. The whole sequence is
 * checked for the namespace before a tombstone is reused (it may sit further down the chain).
 */
export function placeFor(states: SlotState[], sequence: number[]): number | 'exists' | 'full' {
  let free: number | undefined;
  for (const [i, s] of states.entries()) {
    if (s.kind === 'used' && s.matches) return 'exists';
    if (s.kind !== 'used' && free === undefined) free = sequence[i];
    if (s.kind === 'empty') break; // the chain ends here: the namespace is not further down
  }
  return free ?? 'full';
}

/**
 * The slots that can go back to empty once the target at `index` became a tombstone: a
 * tombstone followed by an empty slot ends every chain through it anyway, so it is emptied, and
 * so, walking back, is each tombstone before it. No live target lies past an empty slot in its
 * own chain, so lookups of the program (running meanwhile) still find every target. Without
 * this, churn leaves the table full of tombstones: every untraced lookup walks all PROBES slots.
 */
export function tombstonesToEmpty(index: number, kindAt: (index: number) => SlotState['kind']): number[] {
  if (kindAt(index) !== 'tombstone' || kindAt((index + 1) & (SLOTS - 1)) !== 'empty') return [];
  const out = [index];
  // Each one emptied makes the tombstone before it end its chains too.
  for (let i = (index - 1) & (SLOTS - 1); out.length < SLOTS && kindAt(i) === 'tombstone'; i = (i - 1) & (SLOTS - 1)) out.push(i);
  return out;
}

/**
 * Whether one more target homed at `home` keeps a tenant's targets (the rootless broker's;
 * `homes`: the first slots of those it has) within `share` of every probe sequence, so the rest
 * of each is always left to others (root's hooks). A target lies in one of the PROBES slots from
 * its home on, so those of the tenant that may sit among the slots a namespace homed at r probes,
 * [r, r + PROBES), are the ones homed in (r - PROBES, r + PROBES); the new one may reach the
 * sequences of every r in (home - PROBES, home + PROBES), each checked.
 */
export function keepsWithinShare(homes: readonly number[], home: number, share: number): boolean {
  const at = new Uint16Array(SLOTS);
  for (const h of [...homes, home]) at[h & (SLOTS - 1)]!++;
  const homedNear = (r: number): number => {
    let n = 0;
    for (let i = r - PROBES + 1; i < r + PROBES; i++) n += at[i & (SLOTS - 1)]!;
    return n;
  };
  for (let r = home - PROBES + 1; r < home + PROBES; r++) if (homedNear(r) > share) return false;
  return true;
}
