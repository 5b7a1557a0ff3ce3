import { describe, expect, it } from 'vitest';
import { PROBES, SLOTS } from '../../src/kernel/abi.js';
import { placeFor, probeSequence, slotOf, type SlotState } from '../../src/kernel/slots.js';

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
