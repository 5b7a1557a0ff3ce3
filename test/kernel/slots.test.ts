import { describe, expect, it } from 'vitest';
import { PROBES, SLOTS } from '../../src/kernel/abi.js';
import { keepsWithinShare, placeFor, probeSequence, slotOf, tombstonesToEmpty, type SlotState } from '../../src/kernel/slots.js';

const used = (matches = false): SlotState => ({ kind: 'used', matches });
const empty: SlotState = { kind: 'empty' };
const tomb: SlotState = { kind: 'tombstone' };
const SEQ = [10, 11, 12, 13, 14, 15, 16, 17];

describe('slotOf / probeSequence', () => {
  it('stays inside the array and spreads neighbouring inodes', () => {
    const slots = new Set<number>();
    for (let inum = 4026532000; inum < 4026532200; inum++) {
      const s = slotOf(inum);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(SLOTS);
      slots.add(s);
    }
    expect(slots.size).toBeGreaterThan(150); // 200 consecutive inodes, few collisions
  });

  it('probes PROBES consecutive slots, wrapping at the end of the array', () => {
    const inum = [...Array(100000).keys()].find((n) => slotOf(n) === SLOTS - 1)!;
    const seq = probeSequence(inum);
    expect(seq).toHaveLength(PROBES);
    expect(seq.slice(0, 2)).toEqual([SLOTS - 1, 0]);
  });
});

describe('placeFor', () => {
  it('takes the first slot when it is empty', () => {
    expect(placeFor([empty, empty, empty, empty, empty, empty, empty, empty], SEQ)).toBe(10);
  });

  it('finds the namespace already there, even behind a tombstone', () => {
    expect(placeFor([used(), tomb, used(true), empty, empty, empty, empty, empty], SEQ)).toBe('exists');
  });

  it('reuses the first tombstone when the namespace is not in the chain', () => {
    expect(placeFor([used(), tomb, used(), tomb, empty, empty, empty, empty], SEQ)).toBe(11);
  });

  it('stops at the first empty slot: nothing of this chain lies beyond it', () => {
    expect(placeFor([used(), empty, used(true), empty, empty, empty, empty, empty], SEQ)).toBe(11);
  });

  it('is full when every probed slot is taken by others', () => {
    expect(placeFor(SEQ.map(() => used()), SEQ)).toBe('full');
  });
});

describe('tombstonesToEmpty', () => {
  const table = (kinds: Record<number, SlotState['kind']>) => (i: number) => kinds[i] ?? 'empty';

  it('empties a tombstone whose next slot is empty, and the tombstones before it', () => {
    expect(tombstonesToEmpty(12, table({ 9: 'used', 10: 'tombstone', 11: 'tombstone', 12: 'tombstone' }))).toEqual([12, 11, 10]);
  });

  it('keeps a tombstone a chain still runs through', () => {
    expect(tombstonesToEmpty(12, table({ 12: 'tombstone', 13: 'used' }))).toEqual([]);
  });

  it('wraps around the start of the array', () => {
    expect(tombstonesToEmpty(0, table({ 0: 'tombstone', [SLOTS - 1]: 'tombstone', [SLOTS - 2]: 'used' }))).toEqual([0, SLOTS - 1]);
  });
});

/** Register and remove namespaces as a busy node does, with the rules the recorder applies. */
function churn(live: number, registrations: number, seed: number): { refusedAt: number | null } {
  const kinds = new Array<SlotState['kind']>(SLOTS).fill('empty');
  const held = new Array<number>(SLOTS).fill(-1);
  let s = seed;
  const random = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  const traced: number[] = [];
  const remove = (inum: number) => {
    for (const i of probeSequence(inum)) {
      if (kinds[i] === 'empty') return;
      if (kinds[i] === 'used' && held[i] === inum) {
        kinds[i] = 'tombstone';
        for (const j of tombstonesToEmpty(i, (k) => kinds[k]!)) kinds[j] = 'empty';
        return;
      }
    }
  };
  for (let n = 0; n < registrations; n++) {
    if (traced.length >= live) {
      const j = random() % traced.length;
      remove(traced[j]!);
      traced[j] = traced[traced.length - 1]!;
      traced.pop();
    }
    const inum = 0xf0000000 + (random() % 0x0fffffff); // namespace inode numbers as the kernel hands them out
    const sequence = probeSequence(inum);
    const place = placeFor(
      sequence.map((i) => (kinds[i] === 'used' ? { kind: 'used', matches: held[i] === inum } : { kind: kinds[i]! })),
      sequence,
    );
    if (place === 'exists') continue;
    if (place === 'full') return { refusedAt: traced.length };
    kinds[place] = 'used';
    held[place] = inum;
    traced.push(inum);
  }
  return { refusedAt: null };
}

describe('capacity', () => {
  it('holds 1,000 containers traced at once through heavy churn (the 1024-slot, 8-probe table refused at ~440)', () => {
    for (let seed = 1; seed <= 20; seed++) expect({ seed, ...churn(1000, 20_000, seed * 7919) }).toEqual({ seed, refusedAt: null });
  });
});

describe('keepsWithinShare (the broker\'s part of every probe sequence)', () => {
  /** A table as the recorder fills it (first free slot of the probe sequence), with one tenant's targets marked. */
  function fill(inums: number[], share: number): { tenant: boolean[]; refused: number } {
    const tenant = new Array<boolean>(SLOTS).fill(false);
    const homes: number[] = [];
    let refused = 0;
    for (const inum of inums) {
      if (!keepsWithinShare(homes, slotOf(inum), share)) {
        refused++;
        continue;
      }
      const place = probeSequence(inum).find((i) => !tenant[i]);
      if (place === undefined) throw new Error('no room: the share let the sequence fill');
      tenant[place] = true;
      homes.push(slotOf(inum));
    }
    return { tenant, refused };
  }
  const mostInAnySequence = (tenant: boolean[]) => Math.max(...Array.from({ length: SLOTS }, (_, r) => Array.from({ length: PROBES }, (_, i) => tenant[(r + i) & (SLOTS - 1)]).filter(Boolean).length));

  it('an adversary choosing namespaces that all start at one slot gets at most the share of it', () => {
    const crowd: number[] = [];
    for (let inum = 1; crowd.length < 3 * PROBES; inum++) if (slotOf(inum) >= 500 && slotOf(inum) < 505) crowd.push(inum);
    const { tenant, refused } = fill(crowd, PROBES / 2);
    expect(mostInAnySequence(tenant)).toBeLessThanOrEqual(PROBES / 2);
    expect(refused).toBe(3 * PROBES - PROBES / 2);
  });

  it('namespaces as the kernel numbers them: 512 fit, and no probe sequence is more than half the tenant\'s', () => {
    let s = 20261202;
    const random = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    const inums = Array.from({ length: 600 }, () => 0xf0000000 + (random() % 0x0fffffff));
    const { tenant, refused } = fill(inums, PROBES / 2);
    expect(mostInAnySequence(tenant)).toBeLessThanOrEqual(PROBES / 2);
    expect(600 - refused).toBeGreaterThan(512);
  });

  it('wraps at the end of the array', () => {
    const homes = Array.from({ length: PROBES / 2 }, (_, i) => (SLOTS - 4 + i) & (SLOTS - 1));
    expect(keepsWithinShare(homes, 2, PROBES / 2)).toBe(false);
    expect(keepsWithinShare(homes, 2 * PROBES + 10, PROBES / 2)).toBe(true);
  });
});
