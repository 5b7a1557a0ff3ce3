/**
 * The kernel side of a target's life, as the rest of src/tracing/ sees it: a small interface, so
 * that registering, taking out and gc are unit-tested with a fake (test/tracing/), and one
 * implementation over the pinned BPF program (kernel/recorder.ts) and the held namespaces
 * (hold.ts). A target is never in the kernel without its namespace held, and never released
 * from one without the other: `register` and `release` do both, in that order.
 */
import { RecorderUnavailable } from '../kernel/diagnose.js';
import { Recorder as BpfRecorder } from '../kernel/recorder.js';
import type { RecordedTarget, TargetKey } from '../kernel/target-codec.js';
import { detachReleasing, pinNamespace, releaseTargets, unpinNamespace } from './hold.js';

export interface Recorder {
  /** Every key in the kernel's table. */
  keys(): TargetKey[];
  /** What the kernel recorded for `key` (null: no such target). */
  read(key: TargetKey): RecordedTarget | null;
  /** Hold `key`'s namespace through process `pid`, then add it to the table; throws (nothing held) when either fails. */
  register(key: TargetKey, flags: bigint, pid: number): void;
  /** Take these targets out of the table, then let their namespaces go. */
  release(keys: readonly TargetKey[]): void;
  /** Detach the program when no target is left, letting every held namespace go with it: true when detached. */
  detachIfIdle(): boolean;
  /** Count the table's entries afresh (a killed hook may have left the counts too high). */
  recount(): void;
  close(): void;
}

/** Where a Recorder comes from: the kernel's (kernelRecorders) or a test's fake. */
export interface Recorders {
  /** Load or reuse the pinned program; throws RecorderUnavailable when the kernel refuses it. */
  attach(bpfObject?: string): Recorder;
  /** The pinned program, or null when none is attached. */
  open(): Recorder | null;
}

function over(bpf: BpfRecorder): Recorder {
  return {
    keys: () => bpf.keys(),
    read: (key) => bpf.read(key),
    register(key, flags, pid) {
      pinNamespace(key, pid); // throws: a namespace not held could hand its number to another
      try {
        bpf.addTarget(key, flags);
      } catch (e) {
        unpinNamespace(key);
        throw e;
      }
    },
    release: (keys) => releaseTargets(bpf, keys),
    detachIfIdle: () => detachReleasing(bpf),
    recount: () => bpf.recount(),
    close: () => bpf.close(),
  };
}

export const kernelRecorders: Recorders = {
  attach(bpfObject) {
    let bpf: BpfRecorder;
    try {
      bpf = BpfRecorder.attach(bpfObject);
    } catch (e) {
      throw new RecorderUnavailable(e);
    }
    return over(bpf);
  },
  open() {
    const bpf = BpfRecorder.open();
    return bpf ? over(bpf) : null;
  },
};
