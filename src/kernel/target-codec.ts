/**
 * Encoding and decoding of the recorder's map entries (bpf/recorder.h), as pure functions over
 * Buffers: native byte order, which on every arch we build for is little-endian.
 */
import { ARCHS, ARGSET_SIZE, ARGS_OFFSET, ARG_PRESENT_BIT, ARG_VALUES, COUNTS_SIZE, KEY_MNTNS, KEY_PIDNS, KEY_SIZE, KEY_TOMBSTONE, MAX_SYSCALLS, PLAIN_TARGET_SIZE, SEEN_OFFSET, TARGET_SIZE, WORDS } from './abi.js';
import { ARCH_SLOTS, type ArchSlot } from '../syscalls/arches.js';
import { ARGUMENT_SYSCALLS } from '../syscalls/argument-table.js';

export type NamespaceKind = 'pid' | 'mnt';

/** Which namespace a traced container is: its PID namespace, or its mount namespace for --pid=host. */
export interface TargetKey {
  kind: NamespaceKind;
  inum: number;
}

/** The array index a target map entry is read or written at. */
export function encodeSlot(slot: number): Buffer {
  const buf = Buffer.alloc(KEY_SIZE);
  buf.writeUInt32LE(slot, 0);
  return buf;
}

const KIND_CODE: Record<NamespaceKind, number> = { pid: KEY_PIDNS, mnt: KEY_MNTNS };

/** What a slot holds, from its first 8 bytes. */
export function decodeSlotKey(buf: Buffer): TargetKey | 'empty' | 'tombstone' {
  const kind = buf.readUInt32LE(0);
  if (kind === 0) return 'empty';
  if (kind === KEY_TOMBSTONE) return 'tombstone';
  return { kind: kind === KEY_PIDNS ? 'pid' : 'mnt', inum: buf.readUInt32LE(4) };
}

/**
 * Argument values read back from JSON (a kept recording's entries, the broker's Map), checked to
 * be what decodeArguments gives: name → value tuples of numbers, or 'overflow'. Throws an Error
 * naming the bad part.
 */
export function checkArgumentValues(v: unknown): Map<string, number[][] | 'overflow'> {
  const entries = v instanceof Map ? [...v] : v;
  if (!Array.isArray(entries)) throw new Error('arguments');
  const out = new Map<string, number[][] | 'overflow'>();
  for (const e of entries) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') throw new Error('arguments');
    const [name, values] = e as [string, unknown];
    if (values === 'overflow') out.set(name, 'overflow');
    else if (Array.isArray(values) && values.every((t) => Array.isArray(t) && t.every((n) => typeof n === 'number' && Number.isFinite(n)))) out.set(name, values as number[][]);
    else throw new Error(`arguments.${name}`);
  }
  return out;
}

/** Whether two keys name the same namespace. */
export function sameKey(a: TargetKey, b: TargetKey): boolean {
  return a.kind === b.kind && a.inum === b.inum;
}

export function keyName(key: TargetKey): string {
  return `${key.kind}:[${key.inum}]`;
}

/** A fresh entry for `key`: flags set, no syscall seen yet. `size`: the recorder's slot size (abi.ts TARGET_SIZES). */
export function encodeNewTarget(key: TargetKey, flags: bigint, size: number = TARGET_SIZE): Buffer {
  const buf = Buffer.alloc(size);
  buf.writeUInt32LE(KIND_CODE[key.kind], 0);
  buf.writeUInt32LE(key.inum, 4);
  buf.writeBigUInt64LE(flags, 8);
  return buf;
}

/** A removed target's slot: keeps probe chains through it intact (bpf/recorder.h). */
export function encodeTombstone(size: number = TARGET_SIZE): Buffer {
  const buf = Buffer.alloc(size);
  buf.writeUInt32LE(KEY_TOMBSTONE, 0);
  return buf;
}

/** The SG_FLAG_* word of a slot, without decoding its bitmap. */
export function targetFlags(buf: Buffer): bigint {
  return buf.readBigUInt64LE(8);
}

export interface RecordedTarget {
  flags: bigint;
  /** Syscall numbers seen, per bitmap slot, ascending. */
  syscalls: Record<ArchSlot, number[]>;
  /**
   * Argument values of the argument table's syscalls (decodeArguments), by name; a name never
   * called is absent. Absent altogether when read from an older program without them.
   */
  arguments?: Map<string, number[][] | 'overflow'>;
}

const PRESENT = 1n << BigInt(ARG_PRESENT_BIT);

/**
 * The bounded sets after the bitmaps (struct sg_argset in bpf/recorder.h), as value tuples per
 * syscall: socket/socketpair [family, type, protocol] (unpacked from family | type << 16 |
 * protocol << 32), clone/unshare [namespace bits seen], the others [value]. A full set is
 * 'overflow'. A value is there when its present bit is: a slot claimed but not yet written (a
 * live snapshot racing a writer) is skipped, and `count` is not read (kernels without atomics
 * do not keep it). clone/unshare hold one OR of every call's bits with atomics, and each
 * combination seen without: either way the tuple is their OR.
 */
export function decodeArguments(buf: Buffer): Map<string, number[][] | 'overflow'> {
  const out = new Map<string, number[][] | 'overflow'>();
  ARGUMENT_SYSCALLS.forEach((entry, i) => {
    const at = ARGS_OFFSET + i * ARGSET_SIZE;
    if (buf.readUInt32LE(at + 4)) {
      out.set(entry.name, 'overflow');
      return;
    }
    const values = new Set<bigint>();
    for (let v = 0; v < ARG_VALUES; v++) {
      const raw = buf.readBigUInt64LE(at + 8 + v * 8);
      if (raw & PRESENT) values.add(raw & ~PRESENT);
    }
    if (values.size === 0) return;
    if (entry.kind === 'socket') out.set(entry.name, [...values].map((value) => [Number(value & 0xffffn), Number((value >> 16n) & 0xffffn), Number(value >> 32n)]));
    else if (entry.kind === 'namespace-bits') out.set(entry.name, [[Number([...values].reduce((a, b) => a | b, 0n))]]);
    else out.set(entry.name, [...values].map((value) => [Number(value)]));
  });
  return out;
}

/**
 * The syscalls a slot recorded: the bitmaps, and on a kernel without atomics (a slot of
 * PLAIN_TARGET_SIZE) the byte per syscall after them.
 */
export function decodeTarget(buf: Buffer): RecordedTarget {
  const syscalls = { native: [], compat: [], x32: [] } as Record<ArchSlot, number[]>;
  const plain = buf.length >= PLAIN_TARGET_SIZE;
  for (let a = 0; a < ARCHS; a++) {
    const slot = ARCH_SLOTS[a] as ArchSlot;
    for (let w = 0; w < WORDS; w++) {
      let word = buf.readBigUInt64LE(16 + (a * WORDS + w) * 8);
      if (plain) {
        for (let bit = 0; bit < 64; bit++) if (buf[SEEN_OFFSET + a * MAX_SYSCALLS + w * 64 + bit]) word |= 1n << BigInt(bit);
      }
      for (let bit = 0; word !== 0n; bit++, word >>= 1n) {
        if (word & 1n) syscalls[slot].push(w * 64 + bit);
      }
    }
  }
  return { flags: targetFlags(buf), syscalls, ...(buf.length >= TARGET_SIZE ? { arguments: decodeArguments(buf) } : {}) };
}

export interface Counts {
  mntnsTargets: number;
  unfilteredTargets: number;
}

export function encodeCounts(counts: Counts): Buffer {
  const buf = Buffer.alloc(COUNTS_SIZE);
  buf.writeUInt32LE(counts.mntnsTargets, 0);
  buf.writeUInt32LE(counts.unfilteredTargets, 4);
  return buf;
}

export function decodeCounts(buf: Buffer): Counts {
  return { mntnsTargets: buf.readUInt32LE(0), unfilteredTargets: buf.readUInt32LE(4) };
}
