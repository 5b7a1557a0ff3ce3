/**
 * The two steps every tracer takes on the shared recorder, under the shared lock, in one place:
 * the hooks (prestart, poststop), `seccomp-gen record`, and the root broker to come.
 *
 *   registerTarget  load-or-reuse the pinned program, collect what dead containers left (only set
 *                   aside: their profiles are written after the lock, trace/writer.ts), check the
 *                   per-uid limit, store the target record and add its namespace to the kernel
 *   takeOut         read a target's recording and remove it, detaching the program if it was last
 */
import { SeccompGenError, messageOf } from '../errors.js';
import { FLAG_FILTERED_ONLY } from '../kernel/abi.js';
import { RecorderUnavailable } from '../kernel/diagnose.js';
import { Recorder } from '../kernel/recorder.js';
import type { RecordedTarget, TargetKey } from '../kernel/target-codec.js';
import { logEvent } from '../log/log.js';
import { rootlessClaimedKeys } from '../state/broker-records.js';
import { gc, type GcReport } from '../state/gc.js';
import { withLock } from '../state/lock.js';
import { deleteTarget, listTargetIds, loadTargetHead, saveTarget, type TargetRecord } from '../state/targets.js';

export interface RegisterOptions {
  /** Another BPF object (tests). */
  bpfObject?: string;
  /** Longest wait for the lock. */
  timeoutMs?: number;
  /** Collect dead containers' targets first (prestart does, cheaply); with the longest tracing time. */
  gc?: { maxTraceMs?: number };
  /** Refuse when the record's owner already has this many containers traced (config maxTracedPerUid). */
  maxTracedPerUid?: number;
}

/** Who a record belongs to, for the per-uid limit: its owner uid, or one shared "unknown". */
const ownerOf = (r: TargetRecord) => r.owner?.uid ?? 'unknown';

function checkPerUid(record: TargetRecord, limit: number): void {
  let n = 0;
  for (const id of listTargetIds()) {
    if (id === record.id) continue;
    try {
      const other = loadTargetHead(id);
      if (other && ownerOf(other) === ownerOf(record)) n++;
    } catch {
      /* corrupt: gc's to remove, no one's to count */
    }
  }
  if (n >= limit) {
    const who = record.owner ? `uid ${record.owner.uid}` : 'the starter (uid unknown)';
    throw new SeccompGenError('TARGET', `${who} already has ${n} containers traced, the most allowed (maxTracedPerUid ${limit}): wait for one to stop`);
  }
}

/** gc of dead containers' leftovers: never stops the container being registered. */
function collectLeftovers(recorder: Recorder, maxTraceMs: number | undefined): GcReport | null {
  try {
    const report = gc({ recorder, detach: false, orphans: 'when-needed', ...(maxTraceMs !== undefined ? { maxTraceMs } : {}) });
    for (const ev of report.events) logEvent('gc', ev.action, { id: ev.id }, ev.detail);
    return report;
  } catch (e) {
    logEvent('gc', 'failed', {}, messageOf(e)); // never stop a container for someone else's leftovers
    return null;
  }
}

/**
 * Register `record`'s namespace with the recorder. Throws RecorderUnavailable when the kernel
 * refuses the program (the caller decides about fail-open), and a TARGET error with the reason
 * for any other refusal (table full, per-uid limit, namespace already traced).
 */
export function registerTarget(record: TargetRecord, options: RegisterOptions = {}): { gc: GcReport | null } {
  return withLock(() => {
    let recorder: Recorder;
    try {
      recorder = Recorder.attach(options.bpfObject);
    } catch (e) {
      throw new RecorderUnavailable(e);
    }
    try {
      const report = options.gc ? collectLeftovers(recorder, options.gc.maxTraceMs) : null;
      let stale: TargetRecord | null = null;
      try {
        stale = loadTargetHead(record.id); // the same container started again after a lost poststop
      } catch {
        deleteTarget(record.id); // corrupt: ours to replace
      }
      if (stale) {
        recorder.removeTarget(stale.key);
        deleteTarget(record.id); // its base file too, if the new record has none
      }
      if (options.maxTracedPerUid !== undefined) checkPerUid(record, options.maxTracedPerUid);
      saveTarget(record);
      try {
        recorder.addTarget(record.key, record.mode === 'filtered' ? FLAG_FILTERED_ONLY : 0n);
      } catch (e) {
        deleteTarget(record.id);
        recorder.detachIfIdle();
        throw e;
      }
      return { gc: report };
    } finally {
      recorder.close();
    }
  }, options.timeoutMs);
}

/**
 * The recording of target `id` (namespace `key`), taken out of the kernel (null: the recorder is
 * not attached, or holds no such target). When no other target record is left, the program is
 * detached (with any kernel entry no record claims); while others remain, the whole table is not
 * scanned to find that out.
 */
export function takeOut(id: string, key: TargetKey): RecordedTarget | null {
  return withLock((): RecordedTarget | null => {
    const recorder = Recorder.open();
    if (!recorder) return null;
    try {
      const target = recorder.read(key);
      recorder.removeTarget(key);
      if (listTargetIds().every((other) => other === id)) {
        // Orphans go, but never a rootless container's entry: those are the broker's (src/broker/).
        const claimed = rootlessClaimedKeys();
        for (const orphan of recorder.keys()) if (!claimed.some((k) => k.kind === orphan.kind && k.inum === orphan.inum)) recorder.removeTarget(orphan);
        recorder.detachIfIdle();
      }
      return target;
    } finally {
      recorder.close();
    }
  });
}
