/**
 * Encoding and decoding of the recorder's map entries (bpf/recorder.h), as pure functions over
 * Buffers: native byte order, which on every arch we build for is little-endian.
 */
import { ARCHS, COUNTS_SIZE, KEY_MNTNS, KEY_PIDNS, KEY_SIZE, TARGET_SIZE, WORDS } from './abi.js';
import { ARCH_SLOTS, type ArchSlot } from '../syscalls/arches.js';

export type NamespaceKind = 'pid' | 'mnt';

/** Which namespace a traced container is: its PID namespace, or its mount namespace for --pid=host. */
export interface TargetKey {
  kind: NamespaceKind;
  inum: number;
}

export function encodeKey(key: TargetKey): Buffer {
  const buf = Buffer.alloc(KEY_SIZE);
  buf.writeUInt32LE(key.kind === 'pid' ? KEY_PIDNS : KEY_MNTNS, 0);
  buf.writeUInt32LE(key.inum, 4);
  return buf;
}

export function decodeKey(buf: Buffer): TargetKey {
  const kind = buf.readUInt32LE(0);
  return { kind: kind === KEY_PIDNS ? 'pid' : 'mnt', inum: buf.readUInt32LE(4) };
}

export function keyName(key: TargetKey): string {
  return `${key.kind}:[${key.inum}]`;
}

/** A fresh entry: flags set, no syscall seen yet. */
export function encodeNewTarget(flags: bigint): Buffer {
  const buf = Buffer.alloc(TARGET_SIZE);
  buf.writeBigUInt64LE(flags, 0);
  return buf;
}

export interface RecordedTarget {
  flags: bigint;
  /** Syscall numbers seen, per bitmap slot, ascending. */
  syscalls: Record<ArchSlot, number[]>;
}

export function decodeTarget(buf: Buffer): RecordedTarget {
  const syscalls = { native: [], compat: [], x32: [] } as Record<ArchSlot, number[]>;
  for (let a = 0; a < ARCHS; a++) {
    const slot = ARCH_SLOTS[a] as ArchSlot;
    for (let w = 0; w < WORDS; w++) {
      let word = buf.readBigUInt64LE(8 + (a * WORDS + w) * 8);
      for (let bit = 0; word !== 0n; bit++, word >>= 1n) {
        if (word & 1n) syscalls[slot].push(w * 64 + bit);
      }
    }
  }
  return { flags: buf.readBigUInt64LE(0), syscalls };
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
