/**
 * The user's side of rootless tracing, kept where only they write: $XDG_RUNTIME_DIR/seccomp-gen
 * (or /run/user/<uid>/seccomp-gen: a hook gets no XDG_RUNTIME_DIR from podman), 0700.
 * targets/<id>.json is what the hook chose at prestart (of:, the if: base, the tracing-time
 * filter's answers), read back at poststop; unwritten/<id>.json a profile that could not go to
 * of:. SECCOMP_GEN_USER_RUN_DIR moves it (tests).
 */
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { formatJson, writeFileAtomic } from '../io/write-file.js';
import { CONTAINER_ID } from '../oci/state.js';
import { checkTargetRecord, type TargetRecord } from '../state/targets.js';
import { SeccompGenError } from '../errors.js';

export function userRunDir(uid: number): string {
  return process.env.SECCOMP_GEN_USER_RUN_DIR ?? join(process.env.XDG_RUNTIME_DIR || `/run/user/${uid}`, 'seccomp-gen');
}

export const userTargetsDir = (uid: number) => join(userRunDir(uid), 'targets');
export const userUnwrittenDir = (uid: number) => join(userRunDir(uid), 'unwritten');
export const userLogFile = (uid: number) => join(userRunDir(uid), 'hooks.log');

function fileOf(dir: string, id: string): string {
  if (!CONTAINER_ID.test(id)) throw new SeccompGenError('STATE', `"${id}" is not a container id`);
  return join(dir, `${id}.json`);
}

export function ensureUserRunDir(uid: number): void {
  mkdirSync(userRunDir(uid), { recursive: true, mode: 0o700 });
}

export function saveUserTarget(uid: number, record: TargetRecord): void {
  mkdirSync(userTargetsDir(uid), { recursive: true, mode: 0o700 });
  writeFileAtomic(fileOf(userTargetsDir(uid), record.id), formatJson(record), { mode: 0o600 });
}

export function loadUserTarget(uid: number, id: string): TargetRecord | null {
  const path = fileOf(userTargetsDir(uid), id);
  let text: string;
  try {
    text = readRegularFile(path);
  } catch (e) {
    if (e instanceof SeccompGenError && /ENOENT/.test(e.message)) return null;
    throw e;
  }
  try {
    return checkTargetRecord(parseJson(text, path));
  } catch {
    throw new SeccompGenError('TARGET', `${path}: corrupt tracing state; remove it`);
  }
}

export function deleteUserTarget(uid: number, id: string): void {
  try {
    unlinkSync(fileOf(userTargetsDir(uid), id));
  } catch {
    /* already gone */
  }
}

function idsIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
  } catch {
    return [];
  }
}

export const listUserTargets = (uid: number) => idsIn(userTargetsDir(uid));
export const listUserUnwritten = (uid: number) => idsIn(userUnwrittenDir(uid));
