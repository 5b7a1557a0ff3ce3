/**
 * Garbage collection of tracing state whose container is gone without a poststop: podman killed
 * with -9, a poststop that failed or never ran, a reboot (bpffs emptied, /run kept by a test),
 * a corrupt record. Run under withLock(), by `seccomp-gen gc` and, cheaply, by every prestart.
 *
 * A container is gone when the process prestart saw (record.pid) no longer has the namespace the
 * target is keyed by: it exited, or its pid now belongs to another process. Its recording is not
 * thrown away: the profile is written to of: as poststop would (the container's processes are all
 * dead, so it is complete), and a marker tells a late poststop it is done. Map entries no record
 * claims are removed, and the program is detached when no target remains.
 */
import { statSync } from 'node:fs';
import { SeccompGenError, messageOf } from '../errors.js';
import type { RecordedTarget, TargetKey } from '../kernel/target-codec.js';
import { deleteTarget, listTargetIds, loadTarget, type TargetRecord } from './targets.js';
import { markDone, pruneDone } from './done.js';
import { rootlessClaimedKeys } from './broker-records.js';

/** The part of the Recorder gc uses (a fake in the unit tests). */
export interface GcRecorder {
  keys(): TargetKey[];
  read(key: TargetKey): RecordedTarget | null;
  removeTarget(key: TargetKey): boolean;
  detachIfIdle(): boolean;
}

export interface GcDeps {
  recorder: GcRecorder | null;
  /** Whether the container of `record` still exists. */
  alive?: (record: TargetRecord) => boolean;
  /** Write the profile of a gone container; returns where. Without it, such targets wait for a later gc. */
  finish?: (record: TargetRecord, recorded: RecordedTarget) => string;
  /** Detach the program when no target remains (prestart, about to add one, says no). */
  detach?: boolean;
  /** Told before each container is looked at, for the CLI's progress line over many. */
  onProgress?: (checked: number, total: number) => void;
}

export interface GcEvent {
  id?: string;
  action: 'collected' | 'lost' | 'corrupt' | 'orphan' | 'unwritten';
  detail: string;
}

export interface GcReport {
  events: GcEvent[];
  kept: number;
  detached: boolean;
}

/** Does `record.pid` still have the namespace the target is keyed by? */
export function containerAlive(record: TargetRecord): boolean {
  try {
    return statSync(`/proc/${record.pid}/ns/${record.key.kind}`).ino === record.key.inum;
  } catch {
    return false; // exited (or a zombie: its namespaces are already released)
  }
}

const sameKey = (a: TargetKey, b: TargetKey) => a.kind === b.kind && a.inum === b.inum;

export function gc(deps: GcDeps): GcReport {
  const alive = deps.alive ?? containerAlive;
  const events: GcEvent[] = [];
  const live: TargetKey[] = [];
  const ids = listTargetIds();
  for (const [checked, id] of ids.entries()) {
    deps.onProgress?.(checked, ids.length);
    let record: TargetRecord | null;
    try {
      record = loadTarget(id);
    } catch (e) {
      if (!(e instanceof SeccompGenError)) throw e;
      deleteTarget(id); // its key is unknown: its map entry goes below, as an orphan
      events.push({ id, action: 'corrupt', detail: 'unreadable target record removed' });
      continue;
    }
    if (!record) continue; // removed meanwhile
    if (alive(record)) {
      live.push(record.key);
      continue;
    }
    const recorded = deps.recorder?.read(record.key) ?? null;
    if (recorded && !deps.finish) {
      live.push(record.key); // not ours to write now: left for a gc that can
      continue;
    }
    if (!recorded || !deps.finish) {
      deleteTarget(id);
      events.push({ id, action: 'lost', detail: 'container gone and no recording in the kernel (reboot?): no profile' });
      continue;
    }
    try {
      const output = deps.finish(record, recorded);
      markDone(id, { reason: 'collected', detail: output });
      events.push({ id, action: 'collected', detail: `profile written to ${output}` });
    } catch (e) {
      events.push({ id, action: 'unwritten', detail: messageOf(e) });
    }
    deps.recorder?.removeTarget(record.key);
    deleteTarget(id);
  }
  if (deps.recorder) {
    const claimed = [...live, ...rootlessClaimedKeys()]; // rootless containers' entries are the broker's (src/broker/)
    for (const key of deps.recorder.keys()) {
      if (claimed.some((k) => sameKey(k, key))) continue;
      deps.recorder.removeTarget(key);
      events.push({ action: 'orphan', detail: `kernel entry ${key.kind}:${key.inum} with no record removed` });
    }
  }
  pruneDone();
  const detached = deps.recorder && deps.detach !== false ? deps.recorder.detachIfIdle() : false;
  return { events, kept: live.length, detached };
}
