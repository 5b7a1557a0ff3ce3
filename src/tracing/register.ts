/**
 * The two steps every tracer takes on the shared recorder, under the shared lock, in one place:
 * the hooks (prestart, poststop), `seccomp-gen record`, and the root broker (src/broker/).
 *
 *   register        load-or-reuse the pinned program, drop a stale record, check the owner's
 *                   limit, store the record, hold the namespace (refused if it cannot be held:
 *                   tracing/hold.ts) and add it to the kernel; every
 *                   caller keeps its own records (registerTarget: the hooks' and record's, with
 *                   dead containers' leftovers set aside first; the broker: its own)
 *   takeRecording   claim a target, read its recording, let the caller's record go and remove
 *                   the entry, detaching the program if it was last (takeOut: the hooks' and
 *                   record's, whose record leaves with its recording)
 */
import { SeccompGenError, messageOf } from '../errors.js';
import { modeFlags } from '../kernel/abi.js';
import type { RecordedTarget, TargetKey } from '../kernel/target-codec.js';
import { logEvent } from '../log/log.js';
import { gc, removeOrphans, type GcReport } from './gc.js';
import { withLock } from './lock.js';
import { kernelRecorders, type Recorder, type Recorders } from './recorder.js';
import { deleteTarget, listTargetIds, loadTarget, loadTargetHead, saveTarget, type TargetRecord } from '../state/targets.js';

export interface RegisterOptions {
  /** Another BPF object (tests). */
  bpfObject?: string;
  /** Longest wait for the lock. */
  timeoutMs?: number;
  /** Collect dead containers' targets first (prestart does, cheaply); with the longest tracing time. */
  gc?: { maxTraceMs?: number };
  /** Refuse when the record's owner already has this many containers traced (config maxTracedPerUid). */
  maxTracedPerUid?: number;
  /** The kernel side (a fake in the unit tests). */
  recorders?: Recorders;
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
 * One registration, whoever keeps the target's record (the hooks in state/targets.ts, the broker
 * in state/broker-records.ts): every step runs under the shared lock, on the pinned recorder.
 */
export interface Registration {
  key: TargetKey;
  /** A process in the namespace: its handle keeps the namespace (and its number) alive (tracing/hold.ts). */
  pid: number;
  flags: bigint;
  /** First, under the lock: e.g. collect dead containers' leftovers. */
  first?: (recorder: Recorder) => void;
  /** Drop the record of the same target registered before (a lost poststop); its key, if any. */
  dropStale: () => TargetKey | null;
  /** Throws when the owner may trace no more. */
  checkLimit?: () => void;
  save: () => void;
  unsave: () => void;
  /** Once the kernel entry is in: throws to undo it (the broker checks its process again). */
  confirm?: () => void;
}

/** Register with the recorder; throws RecorderUnavailable when the kernel refuses the program. */
export function register(reg: Registration, options: { bpfObject?: string; timeoutMs?: number; recorders?: Recorders } = {}): void {
  withLock(() => {
    const recorder = (options.recorders ?? kernelRecorders).attach(options.bpfObject);
    try {
      reg.first?.(recorder);
      const stale = reg.dropStale();
      if (stale) recorder.release([stale]);
      reg.checkLimit?.();
      reg.save();
      try {
        recorder.register(reg.key, reg.flags, reg.pid); // refused when its namespace cannot be held (hold.ts)
        if (reg.confirm) {
          try {
            reg.confirm();
          } catch (e) {
            recorder.release([reg.key]);
            throw e;
          }
        }
      } catch (e) {
        reg.unsave();
        recorder.detachIfIdle();
        throw e;
      }
    } finally {
      recorder.close();
    }
  }, options.timeoutMs);
}

/**
 * Register `record`'s namespace with the recorder (the hooks and `record`). Throws
 * RecorderUnavailable when the kernel refuses the program (the caller decides about fail-open),
 * and a TARGET error with the reason for any other refusal (table full, per-uid limit).
 */
export function registerTarget(record: TargetRecord, options: RegisterOptions = {}): { gc: GcReport | null } {
  let report: GcReport | null = null;
  register(
    {
      key: record.key,
      pid: record.pid,
      flags: modeFlags(record.mode),
      ...(options.gc ? { first: (recorder: Recorder) => (report = collectLeftovers(recorder, options.gc?.maxTraceMs)) } : {}),
      dropStale: () => {
        let stale: TargetRecord | null = null;
        try {
          stale = loadTargetHead(record.id); // the same container started again after a lost poststop
        } catch {
          deleteTarget(record.id); // corrupt: ours to replace
        }
        if (stale) deleteTarget(record.id); // its base file too, if the new record has none
        return stale?.key ?? null;
      },
      ...(options.maxTracedPerUid !== undefined ? { checkLimit: () => checkPerUid(record, options.maxTracedPerUid!) } : {}),
      save: () => saveTarget(record),
      unsave: () => deleteTarget(record.id),
    },
    options,
  );
  return { gc: report };
}

/** What a take-out works on, decided under the lock. */
export interface TakeOptions {
  /** The key the target was traced by (null: nothing to take). */
  claim: () => TargetKey | null;
  /** Sees the recording before it leaves the kernel (the broker keeps a copy until the hook has it). */
  keep?: (recorded: RecordedTarget) => void;
  /**
   * The caller's record goes, once the recording is read (or there is none to read): a gc in
   * between must not find a record without its recording. A failure before leaves both for gc.
   */
  release?: () => void;
  /** No other record remains: entries no one claims go too, and the program is detached. */
  lastOut?: () => boolean;
  timeoutMs?: number;
  recorders?: Recorders;
}

/**
 * A target's recording, taken out of the kernel (null: nothing claimed, the recorder is not
 * attached, or it holds no such target). While `lastOut` says others remain, the whole table is
 * not scanned to find that out; without it, the program is detached when the table is empty. A
 * rootless container's entry is never taken as an orphan: it is the broker's (src/broker/).
 */
export function takeRecording(options: TakeOptions): RecordedTarget | null {
  return withLock((): RecordedTarget | null => {
    const key = options.claim();
    if (!key) return null;
    const recorder = (options.recorders ?? kernelRecorders).open();
    if (!recorder) {
      options.release?.(); // nothing attached: nothing will ever be recorded for it
      return null;
    }
    try {
      const target = recorder.read(key);
      if (target) options.keep?.(target);
      options.release?.();
      recorder.release([key]);
      if (options.lastOut === undefined) {
        recorder.detachIfIdle(); // no record list of our own to ask: the table says
      } else if (options.lastOut()) {
        removeOrphans(recorder, []);
        recorder.detachIfIdle();
      }
      return target;
    } finally {
      recorder.close();
    }
  }, options.timeoutMs);
}

export interface TakenOut {
  record: TargetRecord;
  /** null: the recorder was detached meanwhile (a reboot, seccomp-gen uninstall). */
  recorded: RecordedTarget | null;
}

/**
 * The hooks' and `record`'s take-out: target `id`'s record and its recording leave the shared
 * state together, under the lock, the program detached if it was the last. null: no such target.
 * `released`: told, still under the lock, once the record is gone (poststop leaves a mark there
 * for a second poststop of the same container, which waits for the lock meanwhile).
 */
export function takeOut(id: string, released?: (record: TargetRecord) => void, recorders?: Recorders): TakenOut | null {
  let record: TargetRecord | null = null;
  const recorded = takeRecording({
    claim: () => {
      record = loadTarget(id);
      return record?.key ?? null;
    },
    release: () => {
      deleteTarget(id);
      if (record) released?.(record);
    },
    lastOut: () => listTargetIds().length === 0,
    ...(recorders ? { recorders } : {}),
  });
  const taken: TargetRecord | null = record;
  return taken ? { record: taken, recorded } : null;
}
