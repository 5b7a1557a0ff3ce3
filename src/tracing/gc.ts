/**
 * Garbage collection of tracing state whose container is gone without a poststop: podman killed
 * with -9, a poststop that failed or never ran, a reboot (bpffs emptied, /run kept by a test),
 * a corrupt record. Run under withLock(), by `seccomp-gen gc` and, cheaply, by every prestart.
 *
 * A container is gone when the process prestart saw (record.pid) no longer has the namespace the
 * target is keyed by: it exited, or its pid now belongs to another process. Its recording is not
 * thrown away, but neither is its profile written here: the lock is shared by every container
 * starting on the host, and the output file may sit on a filesystem that hangs (a stopped FUSE
 * daemon, a dead NFS server). So gc only sets the recording aside, in the bounded unwritten store
 * on /run (state/unwritten.ts); the caller writes it after the lock, with a time limit
 * (write/writer.ts). A target traced longer than maxTraceMs is finished the same way though its
 * container runs on. Map entries no record claims are removed, and the program is detached when
 * no target remains.
 */
import { statSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { sameKey, type RecordedTarget, type TargetKey } from '../kernel/target-codec.js';
import { deleteTarget, listTargetIds, loadTarget, loadTargetHead, type TargetRecord } from '../state/targets.js';
import { pruneDone } from '../state/done.js';
import { rootlessClaimedKeys } from '../state/broker-records.js';
import { pruneLockTemps } from './lock.js';
import { unpinAllBut, unpinNamespace } from './hold.js';
import type { Recorder } from './recorder.js';
import { setAside as setAsideInStore } from '../state/unwritten.js';

/** The part of the Recorder gc uses (a fake in the unit tests). */
export type GcRecorder = Pick<Recorder, 'keys' | 'read' | 'release' | 'detachIfIdle'>;

export interface GcDeps {
  recorder: GcRecorder | null;
  /** Whether the container of `record` still exists. */
  alive?: (record: TargetRecord) => boolean;
  /** Keep a finished target's recording for writing after the lock (default: the unwritten store). */
  setAside?: (record: TargetRecord, recorded: RecordedTarget) => void;
  /** A target traced longer than this is finished though its container runs (config maxTraceSeconds). */
  maxTraceMs?: number;
  /**
   * Look for kernel entries no record claims: 'always' (seccomp-gen gc), or 'when-needed' (a
   * prestart): only when a corrupt record was removed or no record is left, the ways an orphan
   * can arise, which spares the hook a scan of the whole table (a few ms for the whole table).
   */
  orphans?: 'always' | 'when-needed';
  /** Detach the program when no target remains (prestart, about to add one, says no). */
  detach?: boolean;
  /** Told before each container is looked at, for the CLI's progress line over many. */
  onProgress?: (checked: number, total: number) => void;
  now?: number;
}

export interface GcEvent {
  id?: string;
  action: 'collected' | 'set-aside' | 'lost' | 'corrupt' | 'orphan' | 'unwritten' | 'writing';
  detail: string;
}

export interface GcReport {
  events: GcEvent[];
  kept: number;
  detached: boolean;
  /** Ids whose recordings were set aside: the caller writes their profiles, after the lock. */
  setAside: string[];
}

/** Does `record.pid` still have the namespace the target is keyed by? */
export function containerAlive(record: TargetRecord): boolean {
  try {
    return statSync(`/proc/${record.pid}/ns/${record.key.kind}`).ino === record.key.inum;
  } catch {
    return false; // exited (or a zombie: its namespaces are already released)
  }
}

/**
 * Take out every kernel entry no record claims (`live`: the root hooks' records still traced),
 * releasing its namespace; a rootless container's entry is the broker's (src/broker/) and stays.
 * Returns what was removed.
 */
export function removeOrphans(recorder: GcRecorder, live: readonly TargetKey[]): TargetKey[] {
  const claimed = [...live, ...rootlessClaimedKeys()];
  const orphans = recorder.keys().filter((key) => !claimed.some((k) => sameKey(k, key)));
  recorder.release(orphans);
  return orphans;
}

export function gc(deps: GcDeps): GcReport {
  const alive = deps.alive ?? containerAlive;
  const setAside = deps.setAside ?? setAsideInStore;
  const now = deps.now ?? Date.now();
  const events: GcEvent[] = [];
  const live: TargetKey[] = [];
  const setAsideIds: string[] = [];
  const ids = listTargetIds();
  for (const [checked, id] of ids.entries()) {
    deps.onProgress?.(checked, ids.length);
    let record: TargetRecord | null;
    try {
      record = loadTargetHead(id); // the base only when there is something to set aside
    } catch (e) {
      if (!(e instanceof SeccompGenError)) throw e;
      deleteTarget(id); // its key is unknown: its map entry goes below, as an orphan
      events.push({ id, action: 'corrupt', detail: 'unreadable target record removed' });
      continue;
    }
    if (!record) continue; // removed meanwhile
    const tracedMs = now - Date.parse(record.startedAt);
    const overdue = deps.maxTraceMs !== undefined && tracedMs > deps.maxTraceMs;
    if (!overdue && alive(record)) {
      live.push(record.key);
      continue;
    }
    const recorded = deps.recorder?.read(record.key) ?? null;
    if (!recorded) {
      deleteTarget(id);
      unpinNamespace(record.key);
      events.push({ id, action: 'lost', detail: 'container gone and no recording in the kernel (reboot?): no profile' });
      continue;
    }
    try {
      setAside(loadTarget(id) ?? record, recorded);
      setAsideIds.push(id);
      const why = overdue ? `traced for longer than ${Math.round(deps.maxTraceMs! / 1000)} s (maxTraceSeconds), finished` : 'container gone';
      events.push({ id, action: 'set-aside', detail: `${why}: recording set aside, its profile is written after the lock` });
    } catch (e) {
      if (!(e instanceof SeccompGenError)) throw e;
      live.push(record.key); // left in the kernel for a later gc (/run full?)
      events.push({ id, action: 'unwritten', detail: `cannot set the recording aside, left for a later gc: ${e.message}` });
      continue;
    }
    if (deps.recorder) deps.recorder.release([record.key]);
    else unpinNamespace(record.key);
    deleteTarget(id);
  }
  const sweep = deps.orphans !== 'when-needed' || live.length === 0 || events.some((e) => e.action === 'corrupt');
  if (deps.recorder && sweep) {
    for (const key of removeOrphans(deps.recorder, live)) events.push({ action: 'orphan', detail: `kernel entry ${key.kind}:${key.inum} with no record removed` });
  }
  pruneDone();
  pruneLockTemps();
  const detached = deps.recorder && deps.detach !== false ? deps.recorder.detachIfIdle() : false;
  // Namespaces held for targets that are gone by any way (a crash between the steps) are let go.
  if (sweep && !detached) unpinAllBut([...live, ...rootlessClaimedKeys()]);
  return { events, kept: live.length, detached, setAside: setAsideIds };
}
