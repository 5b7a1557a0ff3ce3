/**
 * Recordings whose profile is not written yet, /run/seccomp-gen/unwritten/: set aside by gc
 * (under the shared lock, which must not wait on anyone's output filesystem) to be written after
 * it, and kept when writing failed (poststop's of: became unwritable, a hung filesystem). Never
 * lost silently: `seccomp-gen status` lists them with their reason, the starter's next prestart
 * warns about them, and `seccomp-gen gc` tries again.
 *
 *   <id>.json  the recording: its target record, base included, and the syscalls seen (compact)
 *   <id>.note  why it is here: {reason, at, output, uid?, told?}; none yet while it waits to be written
 *
 * Bounded (state/limits.ts): past MAX_UNWRITTEN_BYTES or MAX_UNWRITTEN_ENTRIES the oldest of the
 * starter who keeps the most go first, each logged.
 */
import { mkdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { integer, object, optionalInteger, optionalString, string } from '../io/shape.js';
import { checkArgumentValues, type RecordedTarget } from '../kernel/target-codec.js';
import { logEvent } from '../log/log.js';
import { quote } from '../log/quote.js';
import { CONTAINER_ID } from '../oci/state.js';
import { writeFileAtomic } from '../io/write-file.js';
import { ARCH_SLOTS, type ArchSlot } from '../syscalls/arches.js';
import { MAX_RECORD_BYTES, MAX_UNWRITTEN_BYTES, MAX_UNWRITTEN_ENTRIES, MAX_UNWRITTEN_ENTRY_BYTES, storedBase } from './limits.js';
import { recordIdsIn, runDir } from './paths.js';
import { checkTargetRecord, storedRecord, type TargetRecord } from './targets.js';

export interface Unwritten {
  record: TargetRecord;
  recorded: RecordedTarget;
}

export interface UnwrittenNote {
  reason: string;
  at: string;
  output: string;
  /** The starter (the record's owner), told at their next prestart. */
  uid?: number;
  told?: boolean;
  /** A writer is at work until then: the reason (it timed out) holds only if it is still here after. */
  until?: string;
}

export interface UnwrittenItem {
  id: string;
  /** null: set aside, its writing not tried yet (or under way). */
  note: UnwrittenNote | null;
  bytes: number;
  mtimeMs: number;
}

function unwrittenDir(): string {
  return join(runDir(), 'unwritten');
}

export function unwrittenPath(id: string, part: 'json' | 'note' = 'json'): string {
  if (!CONTAINER_ID.test(id)) throw new SeccompGenError('STATE', `"${id}" is not a container id`);
  return join(unwrittenDir(), `${id}.${part}`);
}

function noteText(record: TargetRecord, reason: string, until?: Date): string {
  const note: UnwrittenNote = { reason, at: new Date().toISOString(), output: record.output, ...(record.owner ? { uid: record.owner.uid } : {}), ...(until ? { until: until.toISOString() } : {}) };
  return JSON.stringify(note);
}

function save(path: string, text: string): void {
  mkdirSync(unwrittenDir(), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, text, { mode: 0o600 });
}

/**
 * Set a recording aside, compact, the record's text checked as prestart stored it. Without a
 * reason it waits to be written (no note); with one, it is kept because writing failed, and its
 * note says why. Returns where it is.
 */
export function setAside(record: TargetRecord, recorded: RecordedTarget, reason?: string): string {
  const path = unwrittenPath(record.id);
  const notePath = unwrittenPath(record.id, 'note');
  const head = storedRecord(record);
  const base = record.base !== undefined ? storedBase(record.base) : 'null';
  const syscalls = JSON.stringify(recorded.syscalls);
  // The argument values (a Map by syscall name) as entries: a profile written later keeps its argument rules.
  const args = recorded.arguments ? `,"arguments":${JSON.stringify([...recorded.arguments])}` : '';
  const note = reason !== undefined ? noteText(record, reason) : undefined;
  mkdirSync(unwrittenDir(), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, `{"record":${head},"base":${base},"flags":"${recorded.flags.toString()}","syscalls":${syscalls}${args}}`, { mode: 0o600 });
  if (note !== undefined) {
    writeFileAtomic(notePath, note, { mode: 0o600 });
  } else {
    try {
      unlinkSync(notePath);
    } catch {
      /* none: the usual case */
    }
  }
  pruneUnwritten();
  return path;
}

/** Say why a recording set aside is still here (a writer at work: until when). */
export function noteUnwritten(record: TargetRecord, reason: string, until?: Date): void {
  save(unwrittenPath(record.id, 'note'), noteText(record, reason, until));
}

export function readUnwritten(id: string): Unwritten {
  const path = unwrittenPath(id);
  try {
    const o = object(parseJson(readRegularFile(path, MAX_UNWRITTEN_ENTRY_BYTES), path), 'entry');
    const record = checkTargetRecord(o.base === null ? o.record : { ...object(o.record, 'record'), base: o.base });
    const lists = object(o.syscalls, 'syscalls');
    const syscalls = {} as Record<ArchSlot, number[]>;
    for (const slot of ARCH_SLOTS) {
      const nrs = lists[slot];
      if (!Array.isArray(nrs)) throw new Error(`syscalls.${slot}`);
      syscalls[slot] = nrs.map((n, i) => integer(n, `syscalls.${slot}[${i}]`, 0));
    }
    const recorded: RecordedTarget = { flags: BigInt(string(o.flags, 'flags')), syscalls };
    if (o.arguments !== undefined) recorded.arguments = checkArgumentValues(o.arguments);
    return { record, recorded };
  } catch (e) {
    if (e instanceof SeccompGenError && /ENOENT/.test(e.message)) throw e;
    throw new SeccompGenError('STATE', `${path}: corrupt set-aside recording (${(e as Error).message}); remove it`);
  }
}

function readNote(id: string): UnwrittenNote | null {
  const path = unwrittenPath(id, 'note');
  try {
    const o = object(parseJson(readRegularFile(path, MAX_RECORD_BYTES), path), 'note');
    const uid = optionalInteger(o.uid, 'uid', 0);
    const until = optionalString(o.until, 'until');
    return { reason: string(o.reason, 'reason'), at: string(o.at, 'at'), output: string(o.output, 'output'), ...(uid !== undefined ? { uid } : {}), ...(o.told === true ? { told: true } : {}), ...(until ? { until } : {}) };
  } catch {
    return null;
  }
}

/** Every kept recording, oldest first. */
export function listUnwritten(): UnwrittenItem[] {
  const items: UnwrittenItem[] = [];
  for (const id of recordIdsIn(unwrittenDir())) {
    try {
      const st = statSync(unwrittenPath(id));
      let bytes = st.size;
      try {
        bytes += statSync(unwrittenPath(id, 'note')).size;
      } catch {
        /* no note */
      }
      items.push({ id, note: readNote(id), bytes, mtimeMs: st.mtimeMs });
    } catch {
      /* removed meanwhile */
    }
  }
  return items.sort((a, b) => a.mtimeMs - b.mtimeMs || a.id.localeCompare(b.id));
}

export function removeUnwritten(id: string): void {
  for (const part of ['json', 'note'] as const) {
    try {
      unlinkSync(unwrittenPath(id, part));
    } catch {
      /* gone */
    }
  }
}

/** Whose recording an item is, for eviction: its note's starter; one "unknown" for the rest (no note yet, or no login uid). */
const starterOf = (item: UnwrittenItem): string => (item.note?.uid !== undefined ? `uid ${item.note.uid}` : 'unknown');

/**
 * Remove recordings until the store is within its bounds, each logged; returns their ids. The
 * starter who keeps the most (recordings, or bytes when those are over) loses their oldest first:
 * one starter's failing writes push out their own recordings, never another's kept profile
 * while they hold more than that other.
 */
export function pruneUnwritten(maxBytes = MAX_UNWRITTEN_BYTES, maxEntries = MAX_UNWRITTEN_ENTRIES): string[] {
  const items = listUnwritten(); // oldest first
  const byStarter = new Map<string, UnwrittenItem[]>();
  for (const item of items) byStarter.set(starterOf(item), [...(byStarter.get(starterOf(item)) ?? []), item]);
  let total = items.reduce((n, i) => n + i.bytes, 0);
  let count = items.length;
  const pruned: string[] = [];
  const bytesOf = (list: UnwrittenItem[]) => list.reduce((n, i) => n + i.bytes, 0);
  while (count > maxEntries || total > maxBytes) {
    const overCount = count > maxEntries;
    const size = (list: UnwrittenItem[]) => (overCount ? list.length : bytesOf(list));
    // The biggest keeper; among equals, the one whose oldest is oldest.
    const [starter, list] = [...byStarter.entries()].reduce((a, b) => (size(b[1]) > size(a[1]) || (size(b[1]) === size(a[1]) && b[1][0]!.mtimeMs < a[1][0]!.mtimeMs) ? b : a));
    const item = list.shift()!;
    if (list.length === 0) byStarter.delete(starter);
    removeUnwritten(item.id);
    total -= item.bytes;
    count--;
    pruned.push(item.id);
    logEvent('gc', 'pruned', { id: item.id, output: item.note?.output, bytes: item.bytes, starter }, `unwritten/ over ${maxBytes} bytes or ${maxEntries} recordings: the oldest recording of the starter who keeps the most was removed, its profile is lost`);
  }
  return pruned;
}

/**
 * The kept recordings starter `uid` has not been told about yet (all of them when either side's
 * owner is unknown), now marked told: each is warned about once.
 */
export function tellStarter(uid: number | undefined, now = Date.now()): UnwrittenItem[] {
  const told: UnwrittenItem[] = [];
  for (const item of listUnwritten()) {
    const note = item.note;
    if (!note || note.told || (note.until && Date.parse(note.until) > now)) continue;
    if (uid !== undefined && note.uid !== undefined && note.uid !== uid) continue;
    try {
      save(unwrittenPath(item.id, 'note'), JSON.stringify({ ...note, told: true }));
      told.push(item);
    } catch {
      /* told next time */
    }
  }
  return told;
}

/** Profiles of this starter's containers that could not be written: said once, at their next start. */
export function unwrittenWarnings(uid: number | undefined): string[] {
  try {
    return tellStarter(uid).map((item) => `the profile of container ${quote(item.id)} was not written to ${quote(item.note!.output)}: ${item.note!.reason} (its recording is kept in /run; seccomp-gen status lists it, seccomp-gen gc writes it)`);
  } catch {
    return []; // telling must never stop a container
  }
}
