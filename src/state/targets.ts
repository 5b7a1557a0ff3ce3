/**
 * One file per traced container, /run/seccomp-gen/targets/<id>.json, written by prestart and
 * consumed by poststop (which gets no pid, so it cannot find the namespace by itself). The base
 * profile is stored beside it, <id>+base.json ('+' is in no container id), as read at prestart
 * (a bad if: stops the container before it runs): gc, status and the per-uid count read every
 * record under the shared lock, and only the writing of a profile needs its base. Both are compact JSON, bounded (state/limits.ts)
 * when written, and read back with the same bounds: a record that could be written can be read.
 */
import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { RECORDING_MODES, type RecordingMode } from '../kernel/abi.js';
import type { TargetKey } from '../kernel/target-codec.js';
import { ShapeError, integer, isObject, object, optionalInteger, optionalString, string, stringArray } from '../io/shape.js';
import type { Profile } from '../profile/schema.js';
import { writeFileAtomic } from '../io/write-file.js';
import { checkReplayAnswers, type ReplayAnswers } from '../oci/replay.js';
import { CONTAINER_ID } from '../oci/state.js';
import { MAX_BASE_BYTES, MAX_RECORD_BYTES, storedBase } from './limits.js';
import { recordIdsIn, targetsDir } from './paths.js';

export interface TargetRecord {
  version: 1;
  id: string;
  key: TargetKey;
  /** How the recorder decides what to keep (see SG_FLAG_* in bpf/recorder.h). */
  mode: RecordingMode;
  pid: number;
  /** The OCI runtime's executable name (runc, crun), when it could be read. */
  runtime?: string;
  /** The runtimes whose sets the profile carries (config `runtimes`); absent: every known one. */
  runtimes?: string[];
  output: string;
  input?: string;
  /** The if: profile, validated by prestart when it read it. */
  base?: Profile;
  replay: ReplayAnswers;
  startedAt: string;
  /** A host command traced by `seccomp-gen record` (no container): its argv. */
  command?: string[];
  /** Who started the container: its audit login uid (oci/owner.ts), when set. of: is written with their rights. */
  owner?: { uid: number; gid?: number };
  /** Started by Kubernetes (CRI-O) in this namespace: of: goes only under its directory (policy/). */
  kubernetesNamespace?: string;
}

function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  const s = string(v, path);
  if (!(values as readonly string[]).includes(s)) throw new ShapeError(path, `expected one of ${values.join(', ')}`);
  return s as T;
}

/** A target's namespace key as stored or handed over (a record, the broker's answer, a held namespace's name). */
export function checkTargetKey(v: unknown, path = 'key'): TargetKey {
  const key = object(v, path);
  return { kind: oneOf(key.kind, `${path}.kind`, ['pid', 'mnt'] as const), inum: integer(key.inum, `${path}.inum`, 0) };
}

/** A record read back from disk: ours, but a crash or a hand edit may have broken it. */
export function checkTargetRecord(data: unknown): TargetRecord {
  const o = object(data, 'record');
  if (o.version !== 1) throw new ShapeError('version', 'expected 1');
  const id = string(o.id, 'id');
  if (!CONTAINER_ID.test(id)) throw new ShapeError('id', 'not a container id');
  const record: TargetRecord = {
    version: 1,
    id,
    key: checkTargetKey(o.key),
    mode: oneOf(o.mode, 'mode', RECORDING_MODES),
    pid: integer(o.pid, 'pid', 1),
    output: string(o.output, 'output'),
    replay: checkReplayAnswers(o.replay, 'replay'),
    startedAt: string(o.startedAt, 'startedAt'),
  };
  const runtime = optionalString(o.runtime, 'runtime');
  if (runtime !== undefined) record.runtime = runtime;
  if (o.runtimes !== undefined) record.runtimes = stringArray(o.runtimes, 'runtimes');
  const input = optionalString(o.input, 'input');
  if (input !== undefined) record.input = input;
  if (o.command !== undefined) record.command = stringArray(o.command, 'command');
  if (o.owner !== undefined) {
    const owner = object(o.owner, 'owner');
    const gid = optionalInteger(owner.gid, 'owner.gid', 0);
    record.owner = { uid: integer(owner.uid, 'owner.uid', 0), ...(gid !== undefined ? { gid } : {}) };
  }
  const namespace = optionalString(o.kubernetesNamespace, 'kubernetesNamespace');
  if (namespace !== undefined) record.kubernetesNamespace = namespace;
  if (o.base !== undefined) {
    if (!isObject(o.base) || typeof o.base.defaultAction !== 'string') throw new ShapeError('base', 'expected a profile');
    record.base = o.base as Profile;
  }
  return record;
}

function recordPath(id: string, part: '' | '+base' = ''): string {
  if (!CONTAINER_ID.test(id)) throw new SeccompGenError('STATE', `"${id}" is not a container id`);
  return join(targetsDir(), `${id}${part}.json`);
}

/** The record as stored: compact, without its base; refused when over MAX_RECORD_BYTES. */
export function storedRecord(record: TargetRecord): string {
  const { base: _base, ...head } = record;
  const text = JSON.stringify(head);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_RECORD_BYTES) {
    throw new SeccompGenError('STATE', `the tracing state of container ${record.id} would take ${bytes} bytes, over the ${MAX_RECORD_BYTES}-byte limit (its paths, or the errno rules of its seccomp filter, are too large)`);
  }
  return text;
}

export function saveTarget(record: TargetRecord): void {
  const head = storedRecord(record);
  const base = record.base !== undefined ? storedBase(record.base) : undefined;
  mkdirSync(targetsDir(), { recursive: true, mode: 0o700 });
  // The base first: a record on disk always has its base.
  if (base !== undefined) writeFileAtomic(recordPath(record.id, '+base'), base, { mode: 0o600 });
  writeFileAtomic(recordPath(record.id), head, { mode: 0o600 });
}

function readState(path: string, limit: number): unknown {
  let text: string;
  try {
    text = readRegularFile(path, limit);
  } catch (e) {
    if (e instanceof SeccompGenError && /ENOENT/.test(e.message)) return undefined;
    throw e;
  }
  try {
    return parseJson(text, path);
  } catch {
    throw corrupt(path); // cut short (a crash mid-write of an older version, a full disk): same remedy
  }
}

const corrupt = (path: string) => new SeccompGenError('TARGET', `${path}: corrupt tracing state; remove it`);

/**
 * The record of container `id` without its base (what gc, status and the per-uid count need), or
 * null when it was never traced.
 */
export function loadTargetHead(id: string): TargetRecord | null {
  const path = recordPath(id);
  const data = readState(path, MAX_RECORD_BYTES);
  if (data === undefined) return null;
  try {
    return checkTargetRecord(data);
  } catch (e) {
    if (e instanceof ShapeError) throw corrupt(path);
    throw e;
  }
}

/** The whole record of container `id`, base included, or null when it was never traced. */
export function loadTarget(id: string): TargetRecord | null {
  const record = loadTargetHead(id);
  if (!record || record.input === undefined || record.base !== undefined) return record;
  const path = recordPath(id, '+base');
  const base = readState(path, MAX_BASE_BYTES);
  if (base === undefined) throw corrupt(path); // written before its record: never missing
  try {
    return checkTargetRecord({ ...record, base });
  } catch (e) {
    if (e instanceof ShapeError) throw corrupt(path);
    throw e;
  }
}

export function deleteTarget(id: string): void {
  for (const part of ['', '+base'] as const) {
    try {
      unlinkSync(recordPath(id, part));
    } catch {
      /* already gone */
    }
  }
}

export function listTargetIds(): string[] {
  return recordIdsIn(targetsDir()); // <id>+base.json is no id: '+' is in no container id
}
