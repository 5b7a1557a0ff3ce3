/**
 * What the broker does for a proven uid: register a container of theirs, take its recording
 * out, list what they have. Everything touching the kernel runs under the same lock as the root
 * hooks (tracing/lock.ts), on the same pinned recorder: root and rootless tracing share one
 * program and one map, and each side leaves the other's entries alone.
 *
 * Every limit counts the real person (persons.ts), never the uid: their containers traced at
 * once (maxTracedPerUid) and their kept recordings. The broker as a whole takes at most its share
 * of the recorder (brokerMaxTraced, and never more than half of any probe sequence:
 * kernel/slots.ts keepsWithinShare), so root's tracing always finds a slot.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SeccompGenError } from '../errors.js';
import { PROBES, modeFlags, type RecordingMode } from '../kernel/abi.js';
import { keepsWithinShare, slotOf } from '../kernel/slots.js';
import { keyName, type TargetKey } from '../kernel/target-codec.js';
import { register, takeRecording } from '../tracing/register.js';
import { withLock } from '../tracing/lock.js';
import { unpinNamespaces } from '../tracing/hold.js';
import { kernelRecorders, type Recorder } from '../tracing/recorder.js';
import { ownedTarget, stillRunning, type ProcReader, realProc } from './ownership.js';
import { Persons } from './persons.js';
import { allRecords, deleteRecord, listRecords, listKept, loadRecord, pruneKept, saveRecord, saveKept, readKept, deleteKept, type BrokerRecord } from '../state/broker-records.js';

/** The most of any probe sequence the broker's targets may take: root's hooks always have the rest. */
const BROKER_SEQUENCE_SHARE = PROBES / 2;
/** Gone containers collected under one hold of the lock; it is let go for COLLECT_PAUSE_MS between batches. */
const COLLECT_BATCH = 64;
/** Longer than the longest wait of a lock taker between two tries (tracing/lock.ts: 20 ms): a waiting prestart gets its turn. */
const COLLECT_PAUSE_MS = 50;

export interface ServiceOptions {
  /** Most containers one person may have traced at once (and recordings kept for them). */
  maxPerUid: number;
  /** Most containers the broker traces at once, for everyone (its share of the recorder). */
  maxTraced: number;
  lockTimeoutMs: number;
  proc?: ProcReader;
  persons?: Persons;
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
 * These gone containers' targets, under the lock: each recording is kept for its user before it
 * leaves the kernel, then their namespaces are let go together (one umount(8)). A record taken
 * meanwhile is skipped.
 */
function collectThese(recorder: Recorder | null, gone: readonly BrokerRecord[]): CollectEvent[] {
  const events: CollectEvent[] = [];
  const released: TargetKey[] = [];
  for (const r of gone) {
    if (!loadRecord(r.uid, r.id)) continue;
    const recorded = recorder?.read(r.key) ?? null;
    if (recorded) {
      saveKept(r, recorded);
      events.push({ uid: r.uid, id: r.id, action: 'kept', detail: `container gone without its poststop taking the recording: kept for uid ${r.uid} until they take it (seccomp-gen gc, as that user)` });
    } else {
      events.push({ uid: r.uid, id: r.id, action: 'lost', detail: 'container gone and no recording in the kernel (reboot?): no profile' });
    }
    released.push(r.key);
  }
  if (recorder) recorder.release(released);
  else unpinNamespaces(released);
  for (const r of gone) deleteRecord(r.uid, r.id);
  return events;
}

const gone = (proc: ProcReader) => (r: BrokerRecord) => !stillRunning(r.pid, r.key, r.start, proc);

/**
 * Rootless containers that are gone (their poststop never came for them: the broker was down,
 * the hook failed, podman was killed), of those `which` selects: their recordings leave the kernel
 * and are kept for their user under broker/unwritten/<uid>/. Call under withLock; a handful only
 * (one person's): many go through collectGoneInBatches.
 */
function collectGone(recorder: Recorder | null, proc: ProcReader = realProc, which: (r: BrokerRecord) => boolean = () => true): CollectEvent[] {
  return collectThese(recorder, allRecords().filter((r) => which(r) && gone(proc)(r)));
}

interface CollectOptions {
  proc?: ProcReader;
  lockTimeoutMs?: number;
  /** Bounds of the kept recordings, checked once all are collected. */
  kept?: { perPerson: number; total: number; personOf: (uid: number) => number };
}

/**
 * Every gone rootless container, the way the broker's timer and root's gc collect them: which
 * ones are gone is read from /proc outside the lock, then they are collected in batches, the lock
 * let go between them (4,000 at once held it for ~12 s, and refused prestarts). Whoever takes
 * the last target out detaches the program.
 */
export async function collectGoneInBatches(options: CollectOptions = {}): Promise<CollectEvent[]> {
  const proc = options.proc ?? realProc;
  const todo = allRecords().filter(gone(proc));
  const events: CollectEvent[] = [];
  for (let i = 0; i < todo.length; i += COLLECT_BATCH) {
    if (i > 0) await sleep(COLLECT_PAUSE_MS);
    const batch = todo.slice(i, i + COLLECT_BATCH);
    events.push(
      ...withLock(() => {
        const recorder = kernelRecorders.open();
        try {
          const collected = collectThese(recorder, batch);
          if (recorder) recorder.detachIfIdle();
          return collected;
        } finally {
          recorder?.close();
        }
      }, options.lockTimeoutMs),
    );
  }
  if (options.kept) pruneKept(options.kept, options.kept.personOf);
  return events;
}

export class BrokerService {
  readonly persons: Persons;

  constructor(private readonly options: ServiceOptions) {
    this.persons = options.persons ?? new Persons();
  }

  private keptLimits() {
    return { perPerson: this.options.maxPerUid, total: this.options.maxTraced, personOf: (uid: number) => this.persons.of(uid) };
  }

  /** What the broker's timer does: collect every gone container, in batches, and bound what is kept. */
  collect(): Promise<CollectEvent[]> {
    return collectGoneInBatches({ ...(this.options.proc ? { proc: this.options.proc } : {}), lockTimeoutMs: this.options.lockTimeoutMs, kept: this.keptLimits() });
  }

  /** Throws when `uid`'s person, or the broker as a whole, may trace no more; `key` is the namespace to add. */
  private checkShare(uid: number, key: TargetKey): void {
    const all = allRecords();
    const person = this.persons.of(uid);
    const theirs = all.filter((r) => this.persons.of(r.uid) === person).length;
    if (theirs >= this.options.maxPerUid) {
      const who = person === uid ? `uid ${uid} already traces` : `uid ${uid} is a subordinate uid of uid ${person}, who already traces`;
      throw new SeccompGenError('BROKER', `${who} ${theirs} container(s), the most one user may (maxTracedPerUid in the seccomp-gen config): stop one of them, or ask the administrator to raise the limit`);
    }
    if (all.length >= this.options.maxTraced) {
      throw new SeccompGenError('BROKER', `the broker already traces ${all.length} rootless containers, its whole share of the recorder (brokerMaxTraced in the seccomp-gen config; the rest is root's): wait for some to stop`);
    }
    if (!keepsWithinShare(all.map((r) => slotOf(r.key.inum)), slotOf(key.inum), BROKER_SEQUENCE_SHARE)) {
      throw new SeccompGenError('BROKER', `the recorder's slots for namespace ${keyName(key)} already hold ${BROKER_SEQUENCE_SHARE} rootless containers, the broker's most there (of the ${PROBES} any namespace may use; the rest is root's): wait for one to stop`);
    }
  }

  register(uid: number, id: string, pid: number, mode: RecordingMode): { key: BrokerRecord['key']; collected: CollectEvent[] } {
    // Ownership first, outside the lock: it reads only /proc.
    const { key, start } = ownedTarget(uid, pid, this.options.proc);
    const person = this.persons.of(uid);
    let collected: CollectEvent[] = [];
    const record: BrokerRecord = { version: 1, uid, id, key, pid, start, mode, startedAt: new Date().toISOString() };
    // The same steps as the root hooks' (tracing/register.ts), over the broker's own records.
    register(
      {
        key,
        pid,
        flags: modeFlags(mode),
        // Finished containers of this person must not count against their limit.
        first: (recorder) => (collected = collectGone(recorder, this.options.proc, (r) => this.persons.of(r.uid) === person)),
        dropStale: () => {
          const stale = loadRecord(uid, id); // the same container started again after a lost poststop
          if (stale) deleteRecord(uid, id);
          return stale?.key ?? null;
        },
        checkLimit: () => this.checkShare(uid, key),
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
    if (collected.some((e) => e.action === 'kept')) pruneKept(this.keptLimits(), this.keptLimits().personOf);
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
      const recorded = takeRecording({ claim: () => record.key, keep: (r) => saveKept(record, r), timeoutMs: this.options.lockTimeoutMs });
      deleteRecord(uid, id);
      if (!recorded) throw new SeccompGenError('BROKER', `no recording for container ${id}: the recorder was detached meanwhile (reboot?); no profile`);
      pruneKept(this.keptLimits(), this.keptLimits().personOf); // never this one: it is the newest
      return { recorded, kept: false };
    }
    const kept = readKept(uid, id);
    if (kept) return { recorded: kept.recorded, kept: true };
    throw new SeccompGenError('BROKER', `uid ${uid} has no traced container ${id}`);
  }

  /** The taker has the recording of `id`: the kept copy goes. */
  acknowledge(uid: number, id: string): void {
    deleteKept(uid, id);
  }

  list(uid: number): { targets: { id: string; key: string; since: string; state: string }[]; unwritten: string[] } {
    const targets = listRecords(uid).map((r) => ({
      id: r.id,
      key: `${r.key.kind}:${r.key.inum}`,
      since: r.startedAt,
      state: stillRunning(r.pid, r.key, r.start, this.options.proc) ? 'tracing' : 'gone',
    }));
    return { targets, unwritten: listKept(uid) };
  }
}
