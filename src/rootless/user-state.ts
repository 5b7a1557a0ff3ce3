/**
 * The user's side of rootless tracing, kept where only they write: $XDG_RUNTIME_DIR/seccomp-gen
 * (or /run/user/<uid>/seccomp-gen: a hook gets no XDG_RUNTIME_DIR from podman), 0700.
 * targets/<id>.json is what the hook chose at prestart (of:, the if: base, the tracing-time
 * filter's answers), read back at poststop; unwritten/<id>.json a profile that could not go to
 * of:, done/<id>.json a poststop's mark (state/done.ts). SECCOMP_GEN_USER_RUN_DIR moves it (tests).
 */
import { existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { formatJson, writeFileAtomic } from '../io/write-file.js';
import { CONTAINER_ID } from '../oci/state.js';
import { checkTargetRecord, type TargetRecord } from '../state/targets.js';
import { recordIdsIn } from '../state/paths.js';
import { SeccompGenError } from '../errors.js';

/**
 * $XDG_RUNTIME_DIR, else /run/user/<uid> where logind made it, else (as podman does) a directory
 * of ours in /tmp — which ensureUserRunDir checks is really ours before anything goes in it.
 */
export function userRunDir(uid: number): string {
  if (process.env.SECCOMP_GEN_USER_RUN_DIR) return process.env.SECCOMP_GEN_USER_RUN_DIR;
  if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, 'seccomp-gen');
  if (existsSync(`/run/user/${uid}`)) return join(`/run/user/${uid}`, 'seccomp-gen');
  return `/tmp/seccomp-gen-run-${uid}`;
}

const userTargetsDir = (uid: number) => join(userRunDir(uid), 'targets');
export const userUnwrittenDir = (uid: number) => join(userRunDir(uid), 'unwritten');
export const userLogFile = (uid: number) => join(userRunDir(uid), 'hooks.log');
/** Markers of containers whose poststop has run (state/done.ts): Podman's second poststop finds one. */
export const userDoneDir = (uid: number) => join(userRunDir(uid), 'done');

function fileOf(dir: string, id: string): string {
  if (!CONTAINER_ID.test(id)) throw new SeccompGenError('STATE', `"${id}" is not a container id`);
  return join(dir, `${id}.json`);
}

/** Make the run directory; refuse one that is not ours alone (another user may have made it in /tmp first). */
export function ensureUserRunDir(uid: number): void {
  const dir = userRunDir(uid);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new SeccompGenError('PATH', `cannot create ${dir} (${(e as NodeJS.ErrnoException).code}): set XDG_RUNTIME_DIR to a directory of yours`);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o077) !== 0) {
    throw new SeccompGenError('PATH', `${dir} is not a directory of yours alone (mode 0700): remove it, or set XDG_RUNTIME_DIR`);
  }
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

export const listUserTargets = (uid: number) => recordIdsIn(userTargetsDir(uid));
export const listUserUnwritten = (uid: number) => recordIdsIn(userUnwrittenDir(uid));
