import { describe, expect, it } from 'vitest';
import { ARCHS, ARGSET_SIZE, ARGS_OFFSET, COUNTS_SIZE, FLAG_FILTERED_ONLY, KEY_MNTNS, KEY_PIDNS, KEY_SIZE, KEY_TOMBSTONE, MAX_SYSCALLS, PLAIN_TARGET_SIZE, SEEN_OFFSET, TARGET_SIZE, WORDS } from '../../src/kernel/abi.js';
import { ARGUMENT_SYSCALLS } from '../../src/syscalls/argument-table.js';
import { decodeArguments, decodeSlotKey, decodeTarget, encodeCounts, encodeNewTarget, encodeSlot, encodeTombstone, keyName } from '../../src/kernel/target-codec.js';

const KEY = { kind: 'pid', inum: 4026532201 } as const;
const BITS = 16; // offsetof(struct sg_target, bits)

/** A target value with the given bits set, laid out as struct sg_target { u32 kind; u32 inum; u64 flags; u64 bits[ARCHS][WORDS]; }. */
function targetWith(flags: bigint, bits: [arch: number, nr: number][]): Buffer {
  const buf = encodeNewTarget(KEY, flags);
  for (const [arch, nr] of bits) {
    const offset = BITS + (arch * WORDS + Math.floor(nr / 64)) * 8;
    buf.writeBigUInt64LE(buf.readBigUInt64LE(offset) | (1n << BigInt(nr % 64)), offset);
  }
  return buf;
}

describe('slots and keys', () => {
  it('a slot index is a little-endian u32 array key', () => {
    expect([...encodeSlot(0x0102)]).toEqual([2, 1, 0, 0]);
    expect(encodeSlot(1023).length).toBe(KEY_SIZE);
  });

  it('a new target round-trips its key, both kinds, including the largest inode number', () => {
    for (const key of [
      { kind: 'pid', inum: 4026531836 },
      { kind: 'mnt', inum: 4026532201 },
      { kind: 'pid', inum: 0xffffffff },
      { kind: 'mnt', inum: 0 },
    ] as const) {
      expect(decodeSlotKey(encodeNewTarget(key, 0n))).toEqual(key);
    }
  });

  it('lays out kind and inum first, little-endian', () => {
    expect([...encodeNewTarget({ kind: 'pid', inum: 0x01020304 }, 0n).subarray(0, 8)]).toEqual([KEY_PIDNS, 0, 0, 0, 4, 3, 2, 1]);
    expect(encodeNewTarget({ kind: 'mnt', inum: 7 }, 0n).readUInt32LE(0)).toBe(KEY_MNTNS);
  });

  it('tells empty slots and tombstones from targets', () => {
    expect(decodeSlotKey(Buffer.alloc(TARGET_SIZE))).toBe('empty');
    const tomb = encodeTombstone();
    expect(tomb.readUInt32LE(0)).toBe(KEY_TOMBSTONE);
    expect(decodeSlotKey(tomb)).toBe('tombstone');
    expect(tomb.subarray(4).every((b) => b === 0)).toBe(true); // no bits survive a removal
  });

  it('are named like /proc/PID/ns links', () => {
    expect(keyName({ kind: 'pid', inum: 4026532201 })).toBe('pid:[4026532201]');
    expect(keyName({ kind: 'mnt', inum: 5 })).toBe('mnt:[5]');
  });
});

describe('targets', () => {
  it('a new target has its flags and no bits', () => {
    const buf = encodeNewTarget(KEY, FLAG_FILTERED_ONLY);
    expect(buf.length).toBe(TARGET_SIZE);
    expect(decodeTarget(buf)).toEqual({ flags: FLAG_FILTERED_ONLY, syscalls: { native: [], compat: [], x32: [] }, arguments: new Map() });
    expect(buf.subarray(BITS).every((b) => b === 0)).toBe(true);
  });

  it('keeps all 64 flag bits', () => {
    const flags = (1n << 63n) | 0x4n | FLAG_FILTERED_ONLY;
    expect(decodeTarget(encodeNewTarget(KEY, flags)).flags).toBe(flags);
  });

  it('decodes bit positions at word edges, across words', () => {
    const nrs = [0, 1, 59, 63, 64, 65, 127, 128, 435, 511, 512, WORDS * 64 - 1];
    const { syscalls } = decodeTarget(targetWith(0n, nrs.map((nr) => [0, nr])));
    expect(syscalls.native).toEqual(nrs);
    expect(syscalls.compat).toEqual([]);
    expect(syscalls.x32).toEqual([]);
  });

  it('decodes each arch slot separately', () => {
    const buf = targetWith(0n, [
      [0, 59],
      [1, 11],
      [1, 102],
      [2, 59], // x32 numbers as the program stores them: without __X32_SYSCALL_BIT
      [2, WORDS * 64 - 1],
    ]);
    expect(decodeTarget(buf).syscalls).toEqual({ native: [59], compat: [11, 102], x32: [59, WORDS * 64 - 1] });
  });

  it('the first bit of a slot is not the last of the one before', () => {
    const { syscalls } = decodeTarget(targetWith(0n, [[0, WORDS * 64 - 1], [1, 0]]));
    expect(syscalls).toEqual({ native: [WORDS * 64 - 1], compat: [0], x32: [] });
    // bits[1][0] bit 0 sits right after bits[0][WORDS-1]
    const buf = Buffer.alloc(TARGET_SIZE);
    buf.writeUInt8(1, BITS + WORDS * 8);
    expect(decodeTarget(buf).syscalls.compat).toEqual([0]);
  });

  it('decodes every bit set', () => {
    const buf = Buffer.alloc(TARGET_SIZE, 0xff);
    buf.fill(0, 0, BITS);
    const { syscalls } = decodeTarget(buf);
    const all = Array.from({ length: WORDS * 64 }, (_, i) => i);
    expect(syscalls.native).toEqual(all);
    expect(syscalls.compat).toEqual(all);
    expect(syscalls.x32).toEqual(all);
    expect(ARCHS).toBe(3);
  });
});

describe('argument values (struct sg_argset after the bitmaps)', () => {
  const set = (buf: Buffer, name: string, values: bigint[], overflow = 0, count = values.length) => {
    const at = ARGS_OFFSET + ARGUMENT_SYSCALLS.findIndex((s) => s.name === name) * ARGSET_SIZE;
    buf.writeUInt32LE(count, at);
    buf.writeUInt32LE(overflow, at + 4);
    values.forEach((v, i) => buf.writeBigUInt64LE(v, at + 8 + i * 8));
  };
  const P = 1n << 63n;

  it('the sets start right after the bitmaps and fill the value', () => {
    expect(ARGS_OFFSET).toBe(BITS + ARCHS * WORDS * 8);
    expect(TARGET_SIZE).toBe(ARGS_OFFSET + ARGUMENT_SYSCALLS.length * ARGSET_SIZE);
    expect(ARGSET_SIZE).toBe(8 + 16 * 8);
  });

  it('decodes socket combinations, namespace bits and plain values; a syscall never called is absent', () => {
    const buf = encodeNewTarget(KEY, 0n);
    set(buf, 'socket', [P | 2n | (1n << 16n), P | 16n | (3n << 16n) | (9n << 32n)]);
    set(buf, 'clone', [P | 0x10000000n]);
    set(buf, 'ioctl', [P | 0x80045430n, P | 0x5401n]);
    const args = decodeTarget(buf).arguments!;
    expect(args.get('socket')).toEqual([[2, 1, 0], [16, 3, 9]]);
    expect(args.get('clone')).toEqual([[0x10000000]]);
    expect(args.get('ioctl')).toEqual([[0x80045430], [0x5401]]);
    expect(args.has('prctl')).toBe(false);
  });

  it('a full set is overflow; a counted slot not yet written (live read) is skipped; count is capped', () => {
    const buf = encodeNewTarget(KEY, 0n);
    set(buf, 'prctl', [P | 15n], 1);
    set(buf, 'personality', [P | 8n, 0n], 0);
    set(buf, 'setns', [P | 1n], 0, 40);
    const args = decodeArguments(buf);
    expect(args.get('prctl')).toBe('overflow');
    expect(args.get('personality')).toEqual([[8]]);
    expect(args.get('setns')).toEqual([[1]]);
  });
});

describe('slots of kernels without atomics (struct sg_plain after struct sg_target)', () => {
  const P = 1n << 63n;
  const argsAt = (name: string) => ARGS_OFFSET + ARGUMENT_SYSCALLS.findIndex((s) => s.name === name) * ARGSET_SIZE;

  it('a new target and a tombstone take the recorder\'s slot size', () => {
    expect(encodeNewTarget(KEY, 0n, PLAIN_TARGET_SIZE).length).toBe(PLAIN_TARGET_SIZE);
    expect(decodeSlotKey(encodeNewTarget(KEY, 0n, PLAIN_TARGET_SIZE))).toEqual(KEY);
    expect(decodeSlotKey(encodeTombstone(PLAIN_TARGET_SIZE))).toBe('tombstone');
  });

  it('reads a byte per syscall and arch, the same numbers a bitmap gives', () => {
    const buf = encodeNewTarget(KEY, 0n, PLAIN_TARGET_SIZE);
    for (const [arch, nr] of [[0, 0], [0, 59], [0, MAX_SYSCALLS - 1], [1, 11], [2, 59]] as const) buf[SEEN_OFFSET + arch * MAX_SYSCALLS + nr] = 1;
    expect(decodeTarget(buf).syscalls).toEqual({ native: [0, 59, MAX_SYSCALLS - 1], compat: [11], x32: [59] });
    const bits = targetWith(0n, [[0, 0], [0, 59], [0, MAX_SYSCALLS - 1], [1, 11], [2, 59]]);
    expect(decodeTarget(bits).syscalls).toEqual(decodeTarget(buf).syscalls);
  });

  it('takes every present value whatever the count (not kept there), once, and ORs the namespace combinations', () => {
    const buf = encodeNewTarget(KEY, 0n, PLAIN_TARGET_SIZE);
    // claimed slots 0 and 2 written, slot 1 claimed by two writers at once and left empty
    buf.writeBigUInt64LE(P | 0x5401n, argsAt('ioctl') + 8);
    buf.writeBigUInt64LE(P | 0x5401n, argsAt('ioctl') + 8 + 2 * 8);
    buf.writeBigUInt64LE(P | 0x541bn, argsAt('ioctl') + 8 + 3 * 8);
    buf.writeBigUInt64LE(P | 0n, argsAt('clone') + 8);
    buf.writeBigUInt64LE(P | 0x20000000n, argsAt('clone') + 16);
    buf.writeBigUInt64LE(P | 0x00020000n, argsAt('clone') + 24);
    const args = decodeTarget(buf).arguments!;
    expect(args.get('ioctl')).toEqual([[0x5401], [0x541b]]);
    expect(args.get('clone')).toEqual([[0x20020000]]);
    expect(args.has('prctl')).toBe(false);
  });
});

describe('counts', () => {
  it('lay out struct sg_counts { u32 mntns_targets; u32 unfiltered_targets; }', () => {
    const buf = encodeCounts({ mntnsTargets: 2, unfilteredTargets: 0x01000000 });
    expect(buf.length).toBe(COUNTS_SIZE);
    expect([...buf]).toEqual([2, 0, 0, 0, 0, 0, 0, 1]);
  });
});
