/**
 * What the broker does for a proven uid: register a container of theirs, take its recording
 * out, list what they have. Everything touching the kernel runs under the same lock as the root
 * hooks (state/lock.ts), on the same pinned recorder: root and rootless tracing share one
 * program and one map, and each side leaves the other's entries alone.
 */
import { SeccompGenError } from '../errors.js';
import { modeFlags, type RecordingMode } from '../kernel/abi.js';
import { Recorder } from '../kernel/recorder.js';
import { register, takeRecording } from '../trace/register.js';
import { releaseTarget, unpinNamespace } from '../state/ns-pins.js';
import { ownedTarget, stillRunning, type ProcReader, realProc } from './ownership.js';
import { allRecords, deleteRecord, listRecords, listUnwritten, loadRecord, saveRecord, saveUnwritten, readUnwritten, deleteUnwritten, type BrokerRecord } from '../state/broker-records.js';

export interface ServiceOptions {
  /** Most containers one uid may have traced at once. */
  maxPerUid: number;
  lockTimeoutMs: number;
  proc?: ProcReader;
  /** FOR TESTS ONLY (as the hooks' SECCOMP_GEN_BPF_OBJECT): another BPF object. */
  objectPath?: string;
}

export interface CollectEvent {
  uid: number;
  id: string;
  action: 'kept' | 'lost';
  detail: string;
}

/**
 * Rootless containers that are gone (their poststop never came for them: the broker was down,
 * the hook failed, podman was killed): their recordings leave the kernel and are kept for their
 * user under broker/unwritten/<uid>/. Call under withLock.
 */
export function collectGone(recorder: Recorder | null, proc: ProcReader = realProc, only?: number): CollectEvent[] {
  const events: CollectEvent[] = [];
  for (const r of allRecords()) {
    if (only !== undefined && r.uid !== only) continue;
    if (stillRunning(r.pid, r.key, r.start, proc)) continue;
    const recorded = recorder?.read(r.key) ?? null;
    if (recorded) {
      saveUnwritten(r, recorded);
      releaseTarget(recorder!, r.key);
      events.push({ uid: r.uid, id: r.id, action: 'kept', detail: `container gone without its poststop taking the recording: kept for uid ${r.uid} until they take it (seccomp-gen gc, as that user)` });
    } else {
      unpinNamespace(r.key);
      events.push({ uid: r.uid, id: r.id, action: 'lost', detail: 'container gone and no recording in the kernel (reboot?): no profile' });
    }
    deleteRecord(r.uid, r.id);
  }
  return events;
}

export class BrokerService {
  constructor(private readonly options: ServiceOptions) {}

  register(uid: number, id: string, pid: number, mode: RecordingMode): { key: BrokerRecord['key']; collected: CollectEvent[] } {
    // Ownership first, outside the lock: it reads only /proc.
    const { key, start } = ownedTarget(uid, pid, this.options.proc);
    let collected: CollectEvent[] = [];
    const record: BrokerRecord = { version: 1, uid, id, key, pid, start, mode, startedAt: new Date().toISOString() };
    // The same steps as the root hooks' (trace/register.ts), over the broker's own records.
    register(
      {
        key,
        pid,
        flags: modeFlags(mode),
        // Finished containers of this user must not count against their limit.
        first: (recorder) => (collected = collectGone(recorder, this.options.proc, uid)),
        dropStale: () => {
          const stale = loadRecord(uid, id); // the same container started again after a lost poststop
          if (stale) deleteRecord(uid, id);
          return stale?.key ?? null;
        },
        checkLimit: () => {
          const count = listRecords(uid).length;
          if (count >= this.options.maxPerUid) {
            throw new SeccompGenError('BROKER', `uid ${uid} already traces ${count} container(s), the most one user may (maxTracedPerUid in the seccomp-gen config): stop one of them, or ask the administrator to raise the limit`);
          }
        },
        save: () => saveRecord(record),
        unsave: () => deleteRecord(uid, id),
        // Checked again now that the entry is in: had the container died since the check, its
        // namespace's inode number could already name someone else's new namespace.
        confirm: () => {
          if (!stillRunning(pid, key, start, this.options.proc)) throw new SeccompGenError('TARGET', `process ${pid} exited while it was being registered`);
        },
      },
      { ...(this.options.objectPath ? { bpfObject: this.options.objectPath } : {}), timeoutMs: this.options.lockTimeoutMs },
    );
    return { key, collected };
  }

  /**
   * The recording of `uid`'s container `id`, out of the kernel (or out of the kept ones). It is
   * written to broker/unwritten/ before it leaves the kernel and stays there until the taker
   * acknowledges it (acknowledge): a hook that dies between our answer and its write loses
   * nothing. Another user's id answers exactly as an unknown one: nothing tells whether it exists.
   * The broker alone changes its records, one request at a time: they need no lock of their own.
   */
  take(uid: number, id: string): { recorded: unknown; kept: boolean } {
    const record = loadRecord(uid, id);
    if (record) {
      const recorded = takeRecording({ claim: () => record.key, keep: (r) => saveUnwritten(record, r), timeoutMs: this.options.lockTimeoutMs });
      deleteRecord(uid, id);
      if (!recorded) throw new SeccompGenError('BROKER', `no recording for container ${id}: the recorder was detached meanwhile (reboot?); no profile`);
      return { recorded, kept: false };
    }
    const kept = readUnwritten(uid, id);
    if (kept) return { recorded: kept.recorded, kept: true };
    throw new SeccompGenError('BROKER', `uid ${uid} has no traced container ${id}`);
  }

  /** The taker has the recording of `id`: the kept copy goes. */
  acknowledge(uid: number, id: string): void {
    deleteUnwritten(uid, id);
  }

  list(uid: number): { targets: { id: string; key: string; since: string; state: string }[]; unwritten: string[] } {
    const targets = listRecords(uid).map((r) => ({
      id: r.id,
      key: `${r.key.kind}:${r.key.inum}`,
      since: r.startedAt,
      state: stillRunning(r.pid, r.key, r.start, this.options.proc) ? 'tracing' : 'gone',
    }));
    return { targets, unwritten: listUnwritten(uid) };
  }
}
