/**
 * Where seccomp-gen keeps state between the prestart and poststop hooks. /run is a tmpfs: a
 * reboot empties it together with bpffs, so stale state cannot outlive the pinned program.
 * SECCOMP_GEN_RUN_DIR moves it (tests use it to keep out of a real installation's way).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONTAINER_ID } from '../oci/state.js';

export const DEFAULT_RUN_DIR = '/run/seccomp-gen';

export function runDir(): string {
  return process.env.SECCOMP_GEN_RUN_DIR ?? DEFAULT_RUN_DIR;
}

export function targetsDir(): string {
  return join(runDir(), 'targets');
}

export function lockPath(): string {
  return join(runDir(), 'lock');
}

/** The rootless broker's state: its socket's tickets, its targets and kept recordings (src/broker/, state/broker-records.ts). */
export function brokerDir(): string {
  return join(runDir(), 'broker');
}

/** Markers for containers finished without their poststop record (see state/done.ts). */
export function doneDir(): string {
  return join(runDir(), 'done');
}

/** The names in `dir`; none when it cannot be read (not made yet, or removed meanwhile). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The ids of the `<id>.json` files in `dir` (none when it does not exist): a target record, a kept
 * recording. A name that is no container id (a temporary file, a base beside its record) is not one.
 */
export function recordIdsIn(dir: string): string[] {
  return namesIn(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((id) => CONTAINER_ID.test(id));
}
