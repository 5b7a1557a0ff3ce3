/**
 * What this kernel offers the recorder, probed at load time, and so which build of the program it
 * gets (bpf/recorder.h SG_FEATURE_*, abi.ts PROGRAMS; the table is in docs/kernels.md):
 *
 *   atomics   BPF atomic fetch-and-add and or (5.12; arm64's JIT later): probed by loading a
 *             four-instruction program that uses them. Without: a byte per syscall.
 *   taskBtf   bpf_get_current_task_btf (5.11): libbpf's helper probe. Without: probe reads.
 *
 * Probing, not reading the version: a distribution backports features, and an arch's JIT may lag
 * its verifier.
 */
import { PLAIN_TARGET_SIZE, PROGRAMS, TARGET_SIZE, type ProgramBuild } from './abi.js';
import { PROG_TYPE_RAW_TRACEPOINT, helperAvailable, programLoads } from '../ffi/libbpf.js';
import { SeccompGenError } from '../errors.js';

export interface KernelFeatures {
  atomics: boolean;
  taskBtf: boolean;
}

const BPF_FUNC_get_current_task_btf = 158;

/** r1 = 0; *(u64 *)(r10 - 8) = r1; r1 = atomic_fetch_or(r10 - 8, 1); w1 = atomic_fetch_add(r10 - 8, 1); r0 = 0; exit */
const ATOMICS_PROBE = Buffer.from(
  [
    'b701000000000000',
    '7b1af8ff00000000',
    'b701000001000000',
    'db1af8ff41000000', // BPF_STX | BPF_ATOMIC | BPF_DW, imm BPF_OR | BPF_FETCH
    'b701000001000000',
    'c31af8ff01000000', // BPF_STX | BPF_ATOMIC | BPF_W, imm BPF_ADD | BPF_FETCH
    'b700000000000000',
    '9500000000000000',
  ].join(''),
  'hex',
);

/** The features a test asks to do without (SECCOMP_GEN_FEATURES), as the probed ones minus the rest. */
function limitedTo(probed: KernelFeatures, wanted: string | undefined): KernelFeatures {
  if (wanted === undefined || wanted === '') return probed;
  const names = new Set(wanted.split(',').map((w) => w.trim()));
  for (const n of names) if (!['none', 'atomics', 'task-btf'].includes(n)) throw new SeccompGenError('USAGE', `SECCOMP_GEN_FEATURES: unknown feature "${n}" (none, atomics, task-btf)`);
  return { atomics: probed.atomics && names.has('atomics'), taskBtf: probed.taskBtf && names.has('task-btf') };
}

/** Probe this kernel (needs the privileges a BPF load needs). */
export function probeFeatures(): KernelFeatures {
  const probed = { atomics: programLoads(PROG_TYPE_RAW_TRACEPOINT, ATOMICS_PROBE), taskBtf: helperAvailable(PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_get_current_task_btf) };
  return limitedTo(probed, process.env.SECCOMP_GEN_FEATURES);
}

/** The build of the program these features run, and its slot size. */
export function buildFor(f: KernelFeatures): { build: ProgramBuild; program: string; targetSize: number } {
  const build: ProgramBuild = f.atomics && f.taskBtf ? 'atomics' : f.taskBtf ? 'plainBtf' : 'plain';
  return { build, program: PROGRAMS[build], targetSize: build === 'atomics' ? TARGET_SIZE : PLAIN_TARGET_SIZE };
}

/** The path these features give, in words (check, status). */
export function describeFeatures(f: KernelFeatures): string {
  return [
    f.atomics ? 'BPF atomics: a bit per syscall' : 'no BPF atomics (before 5.12): a byte per syscall, plain stores',
    f.taskBtf ? 'task fields by BTF pointer' : 'no bpf_get_current_task_btf (before 5.11): task fields by probe reads',
  ].join('; ');
}
