/** A Recorder in memory (src/tracing/recorder.ts): the kernel's table, the held namespaces, and what was done to them. */
import type { RecordedTarget, TargetKey } from '../../src/kernel/target-codec.js';
import { RecorderUnavailable } from '../../src/kernel/diagnose.js';
import type { Recorder, Recorders } from '../../src/tracing/recorder.js';

const same = (a: TargetKey, b: TargetKey) => a.kind === b.kind && a.inum === b.inum;

export class FakeRecorder implements Recorder {
  detached = false;
  closed = 0;
  recounted = 0;
  /** Namespaces held, as register holds them and release lets them go. */
  held: TargetKey[] = [];
  flags = new Map<string, bigint>();
  /** Makes the next register throw (the table full, a namespace that cannot be held). */
  refuseRegister: Error | null = null;
  constructor(
    public entries: TargetKey[] = [],
    public recorded: RecordedTarget = { flags: 1n, syscalls: { native: [0, 1], compat: [], x32: [] } },
  ) {}
  keys() {
    return [...this.entries];
  }
  read(key: TargetKey) {
    return this.entries.some((k) => same(k, key)) ? this.recorded : null;
  }
  register(key: TargetKey, flags: bigint, _pid: number) {
    if (this.refuseRegister) throw this.refuseRegister;
    this.held.push(key);
    this.entries.push(key);
    this.flags.set(`${key.kind}:${key.inum}`, flags);
  }
  release(keys: readonly TargetKey[]) {
    this.entries = this.entries.filter((k) => !keys.some((g) => same(g, k)));
    this.held = this.held.filter((k) => !keys.some((g) => same(g, k)));
  }
  detachIfIdle() {
    this.detached = this.entries.length === 0;
    if (this.detached) this.held = [];
    return this.detached;
  }
  recount() {
    this.recounted++;
  }
  close() {
    this.closed++;
  }
}

/** Recorders handing out `recorder`: attached (or refused, as a kernel without BPF would), or none attached. */
export function fakeRecorders(recorder: FakeRecorder, options: { attached?: boolean; refuse?: boolean } = {}): Recorders & { attachedWith: (string | undefined)[] } {
  const attachedWith: (string | undefined)[] = [];
  return {
    attachedWith,
    attach(bpfObject) {
      attachedWith.push(bpfObject);
      if (options.refuse) throw new RecorderUnavailable(new Error('bpf(BPF_PROG_LOAD): Operation not permitted'));
      return recorder;
    },
    open: () => (options.attached === false ? null : recorder),
  };
}
