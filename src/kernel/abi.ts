/**
 * The TypeScript half of bpf/recorder.h. test/kernel/abi.test.ts checks every value here
 * against the header's #defines and the built object's maps, so the two cannot drift apart.
 */
import { fileURLToPath } from 'node:url';
import { SeccompGenError } from '../errors.js';
import { ARGUMENT_SYSCALLS, MAX_RECORDED_VALUES } from '../syscalls/argument-table.js';

/**
 * The program's builds, one per kind of kernel (bpf/recorder.bpf.c, features.ts chooses): the
 * loader loads one and leaves the others out. All attach at PROGRAM_SECTION.
 */
export const PROGRAMS = {
  /** 5.12+: BPF atomics and BTF task pointers; slots of TARGET_SIZE. */
  atomics: 'record_syscall',
  /** 5.11, or a JIT without atomics: BTF task pointers, a byte per syscall; slots of PLAIN_TARGET_SIZE. */
  plainBtf: 'record_plain_btf',
  /** 5.8 to 5.10: probe reads, a byte per syscall; slots of PLAIN_TARGET_SIZE. */
  plain: 'record_plain',
} as const;
export type ProgramBuild = keyof typeof PROGRAMS;
export const PROGRAM_SECTION = 'raw_tp/sys_enter';
export const TARGETS_MAP = 'sg_targets';
export const COUNTS_MAP = 'sg_counts';

export const MAX_SYSCALLS = 1024;
export const WORDS = MAX_SYSCALLS / 64;
export const ARCHS = 3; // native, compat, x32: the order of ARCH_SLOTS in syscalls/arches.ts
export const SLOT_BITS = 12;
export const SLOTS = 1 << SLOT_BITS;
export const PROBES = 32;
export const HASH_MULTIPLIER = 2654435761;

export const KEY_PIDNS = 1;
export const KEY_MNTNS = 2;
export const KEY_TOMBSTONE = 3;

export const FLAG_FILTERED_ONLY = 0x1n;

/**
 * How the recorder decides what to keep of a target: only what runs under the container's seccomp
 * filter (FLAG_FILTERED_ONLY), or all that its namespace runs. The one list of them: target
 * records, the broker's records and its protocol read it.
 */
export const RECORDING_MODES = ['filtered', 'all'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

export function isRecordingMode(value: unknown): value is RecordingMode {
  return RECORDING_MODES.includes(value as RecordingMode);
}

/** A target's flags in the kernel for its mode. */
export function modeFlags(mode: RecordingMode): bigint {
  return mode === 'filtered' ? FLAG_FILTERED_ONLY : 0n;
}

/** Argument recording: one bounded set per syscall of syscalls/argument-table.ts, in its order. */
export const ARG_SYSCALLS = ARGUMENT_SYSCALLS.length;
export const ARG_VALUES = MAX_RECORDED_VALUES;
export const ARG_PRESENT_BIT = 63;
/** struct sg_argset { u32 count; u32 overflow; u64 values[ARG_VALUES]; } */
export const ARGSET_SIZE = 8 + ARG_VALUES * 8;
/** Where struct sg_target's args[] starts: after the syscall bitmaps. */
export const ARGS_OFFSET = 16 + ARCHS * WORDS * 8;

/** The targets map is an array: its key is a u32 slot index. */
export const KEY_SIZE = 4;
/** struct sg_target { u32 kind; u32 inum; u64 flags; u64 bits[ARCHS][WORDS]; struct sg_argset args[ARG_SYSCALLS]; } */
export const TARGET_SIZE = ARGS_OFFSET + ARG_SYSCALLS * ARGSET_SIZE;
/**
 * Kernels without BPF atomics: struct sg_plain { u8 seen[ARCHS][MAX_SYSCALLS]; u32
 * claims[ARG_SYSCALLS][ARG_VALUES]; } follows struct sg_target in every slot (bpf/recorder.h).
 */
export const SEEN_OFFSET = TARGET_SIZE;
export const PLAIN_TARGET_SIZE = TARGET_SIZE + ARCHS * MAX_SYSCALLS + ARG_SYSCALLS * ARG_VALUES * 4;
/** The two slot sizes a recorder may have: the map's value size says which this kernel got. */
export const TARGET_SIZES = [TARGET_SIZE, PLAIN_TARGET_SIZE] as const;

/** What a build may use (recorder.h SG_FEATURE_*). */
export const FEATURE_ATOMICS = 0x1;
export const FEATURE_TASK_BTF = 0x2;

/** struct sg_counts { u32 mntns_targets; u32 unfiltered_targets; } */
export const COUNTS_SIZE = 8;

/**
 * The arches the recorder is built for, one object each (bpf/Makefile builds this list;
 * abi.test.ts checks): Node's process.arch, the object's name (libseccomp's arch name), clang's
 * __TARGET_ARCH_ (libbpf's), and the seccomp arch of the native slot (syscalls/arches.ts).
 */
export const RECORDER_ARCHES = [
  { node: 'x64', name: 'x86_64', target: 'x86', native: 'SCMP_ARCH_X86_64' },
  { node: 'arm64', name: 'aarch64', target: 'arm64', native: 'SCMP_ARCH_AARCH64' },
] as const;

/** The object `npm run build` makes for `name` (RECORDER_ARCHES); they ship in the package so users need no clang. */
export function objectFile(name: string): string {
  return fileURLToPath(new URL(`../../bpf/recorder.${name}.bpf.o`, import.meta.url));
}

/** The object for this machine's arch (Node's process.arch). */
export function objectPath(nodeArch: string = process.arch): string {
  const arch = RECORDER_ARCHES.find((a) => a.node === nodeArch);
  if (!arch) {
    throw new SeccompGenError('BPF', `no recorder for this machine's arch ${nodeArch}: seccomp-gen is built for ${RECORDER_ARCHES.map((a) => a.node).join(' and ')}`);
  }
  return objectFile(arch.name);
}
