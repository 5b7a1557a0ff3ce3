/**
 * The rootless broker's own state (src/broker/), root's and 0700, under <run>/broker/: one record per rootless container being traced,
 * keyed by (host uid, container id) — two users may both name a container "web", and one must
 * never reach the other's — and the recordings of containers that ended without their poststop
 * taking them, or whose taker has not yet said it has them (kept for their user, handed out by
 * `take`, removed by its `ack`), bounded per person and in all (pruneKept). No user-chosen path is stored:
 * where the profile goes is the hook's business, as the user.
 */
import { mkdirSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { ShapeError, integer, object, string } from '../io/shape.js';
import { formatJson, writeFileAtomic } from '../io/write-file.js';
import { RECORDING_MODES, isRecordingMode, type RecordingMode } from '../kernel/abi.js';
import type { TargetKey } from '../kernel/target-codec.js';
import { CONTAINER_ID } from '../oci/state.js';
import { parseWithBigints, stringifyWithBigints } from '../io/bigint-json.js';
import { logEvent } from '../log/log.js';
import { MAX_BROKER_KEPT_BYTES } from './limits.js';
import { brokerDir, namesIn, recordIdsIn } from './paths.js';
import { checkTargetKey } from './targets.js';

function brokerTargetsDir(uid?: number): string {
  return uid === undefined ? join(brokerDir(), 'targets') : join(brokerDir(), 'targets', String(uid));
}

function brokerUnwrittenDir(uid?: number): string {
  return uid === undefined ? join(brokerDir(), 'unwritten') : join(brokerDir(), 'unwritten', String(uid));
}

export interface BrokerRecord {
  version: 1;
  uid: number;
  id: string;
  key: TargetKey;
  /** The container's process as registered, and its start time (pid reuse, see ownership.ts). */
  pid: number;
  start: string;
  mode: RecordingMode;
  startedAt: string;
}

function checkRecord(data: unknown): BrokerRecord {
  const o = object(data, 'record');
  if (o.version !== 1) throw new ShapeError('version', 'expected 1');
  const id = string(o.id, 'id');
  if (!CONTAINER_ID.test(id)) throw new ShapeError('id', 'not a container id');
  const key = checkTargetKey(o.key);
  if (!isRecordingMode(o.mode)) throw new ShapeError('mode', `expected ${RECORDING_MODES.join(' or ')}`);
  return {
    version: 1,
    uid: integer(o.uid, 'uid', 0),
    id,
    key,
    pid: integer(o.pid, 'pid', 1),
    start: string(o.start, 'start'),
    mode: o.mode,
    startedAt: string(o.startedAt, 'startedAt'),
  };
}

function fileOf(dir: string, id: string): string {
  if (!CONTAINER_ID.test(id)) throw new ShapeError('id', 'not a container id');
  return join(dir, `${id}.json`);
}

function uidsIn(dir: string): number[] {
  return namesIn(dir)
    .filter((f) => /^\d{1,10}$/.test(f))
    .map(Number);
}

/** Remove `path`, and its directory (a uid's) once nothing is left in it. */
function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
  try {
    rmdirSync(dirname(path));
  } catch {
    /* not empty: the uid has more */
  }
}

export function saveRecord(record: BrokerRecord): void {
  const dir = brokerTargetsDir(record.uid);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(fileOf(dir, record.id), formatJson(record), { mode: 0o600 });
}

/** The record of `uid`'s container `id`; null if none, or unreadable (then it is removed). */
export function loadRecord(uid: number, id: string): BrokerRecord | null {
  const path = fileOf(brokerTargetsDir(uid), id);
  try {
    const record = checkRecord(parseJson(readRegularFile(path, 64 * 1024), path));
    return record.uid === uid && record.id === id ? record : null;
  } catch {
    return null;
  }
}

export function deleteRecord(uid: number, id: string): void {
  remove(fileOf(brokerTargetsDir(uid), id));
}

export function listRecords(uid: number): BrokerRecord[] {
  return recordIdsIn(brokerTargetsDir(uid)).flatMap((id) => {
    const r = loadRecord(uid, id);
    return r ? [r] : [];
  });
}

export function allRecords(): BrokerRecord[] {
  return uidsIn(brokerTargetsDir()).flatMap(listRecords);
}

/**
 * The kernel entries rootless containers hold. Root's gc (tracing/gc.ts) leaves these alone: they
 * are not orphans for lack of a record of its own.
 */
export function rootlessClaimedKeys(): TargetKey[] {
  return allRecords().map((r) => r.key);
}

/** A recording kept for its user: the record it belonged to and the recorder's data, as is. */
export interface KeptRecording {
  record: BrokerRecord;
  recorded: unknown;
  collectedAt: string;
}

export function saveKept(record: BrokerRecord, recorded: unknown): void {
  const dir = brokerUnwrittenDir(record.uid);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // The recorder's data may hold bigints: the protocol's encoding keeps them.
  writeFileAtomic(fileOf(dir, record.id), `${stringifyWithBigints({ record, recorded, collectedAt: new Date().toISOString() })}\n`, { mode: 0o600 });
}

/** The kept recording of `uid`'s `id`; null if none (an unreadable one is removed). */
export function readKept(uid: number, id: string): KeptRecording | null {
  const path = fileOf(brokerUnwrittenDir(uid), id);
  let text: string;
  try {
    text = readRegularFile(path, 4 * 1024 * 1024);
  } catch {
    return null;
  }
  try {
    const data = object(parseWithBigints(text), 'kept');
    const record = checkRecord(data.record);
    return { record, recorded: data.recorded, collectedAt: string(data.collectedAt, 'collectedAt') };
  } catch {
    remove(path);
    return null;
  }
}

export function deleteKept(uid: number, id: string): void {
  remove(fileOf(brokerUnwrittenDir(uid), id));
}

export function listKept(uid: number): string[] {
  return recordIdsIn(brokerUnwrittenDir(uid));
}

export interface KeptItem {
  uid: number;
  id: string;
  bytes: number;
  mtimeMs: number;
}

/** Every kept recording of every uid, oldest first. */
export function allKept(): KeptItem[] {
  const items: KeptItem[] = [];
  for (const uid of uidsIn(brokerUnwrittenDir())) {
    for (const id of listKept(uid)) {
      try {
        const st = statSync(fileOf(brokerUnwrittenDir(uid), id));
        items.push({ uid, id, bytes: st.size, mtimeMs: st.mtimeMs });
      } catch {
        /* taken meanwhile */
      }
    }
  }
  return items.sort((a, b) => a.mtimeMs - b.mtimeMs || a.uid - b.uid || a.id.localeCompare(b.id));
}

export interface KeptLimits {
  /** Recordings kept for one person (all their uids together, `personOf`). */
  perPerson: number;
  total: number;
  bytes?: number;
}

/**
 * Drop kept recordings, oldest first, until each person keeps at most `perPerson` (their own
 * oldest go), then all of them at most `total` and `bytes`; each dropped one is logged (its
 * profile is lost). Returns them.
 */
export function pruneKept(limits: KeptLimits, personOf: (uid: number) => number): KeptItem[] {
  const maxBytes = limits.bytes ?? MAX_BROKER_KEPT_BYTES;
  const pruned: KeptItem[] = [];
  const drop = (item: KeptItem, why: string) => {
    deleteKept(item.uid, item.id);
    pruned.push(item);
    logEvent('broker', 'pruned', { uid: item.uid, id: item.id, bytes: item.bytes }, `${why}: the oldest was removed, its profile is lost`);
  };
  const items = allKept();
  const left = new Map<number, number>();
  for (const i of items) left.set(personOf(i.uid), (left.get(personOf(i.uid)) ?? 0) + 1);
  const kept: KeptItem[] = [];
  for (const item of items) {
    const person = personOf(item.uid);
    const n = left.get(person)!;
    if (n > limits.perPerson) {
      left.set(person, n - 1);
      drop(item, `uid ${person} has more than ${limits.perPerson} recordings kept`);
    } else {
      kept.push(item);
    }
  }
  let bytes = kept.reduce((n, i) => n + i.bytes, 0);
  for (const [i, item] of kept.entries()) {
    const count = kept.length - i;
    if (count <= limits.total && bytes <= maxBytes) break;
    drop(item, count > limits.total ? `the broker keeps more than ${limits.total} recordings` : `the broker's kept recordings take more than ${maxBytes} bytes`);
    bytes -= item.bytes;
  }
  return pruned;
}
