/**
 * Where seccomp-gen keeps state between the prestart and poststop hooks. /run is a tmpfs: a
 * reboot empties it together with bpffs, so stale state cannot outlive the pinned program.
 * SECCOMP_GEN_RUN_DIR moves it (tests use it to keep out of a real installation's way).
 */
import { join } from 'node:path';

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
