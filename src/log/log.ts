/**
 * The hooks' log: one line per event (what was traced, written, collected, refused and why),
 * appended to the configured log file (default /var/log/seccomp-gen.log; SECCOMP_GEN_LOG
 * overrides it). A hook's stderr is only seen when it fails; this is the record of the rest.
 * Logging must never fail a hook: every error here is swallowed.
 *
 * Whatever a user chose (paths, ids) is quoted (log/quote.ts): one field cannot pose as two, and
 * no character can rewrite what a terminal shows. A field longer than MAX_FIELD_CHARS is cut
 * (a path is at most PATH_MAX anyway). Past MAX_LOG_BYTES the file is moved to <log>.1, replacing
 * the one before, and a new one begun: the log cannot fill the disk.
 */
import { closeSync, fstatSync, openSync, renameSync, statSync, writeSync, constants } from 'node:fs';
import { DEFAULT_LOG_FILE } from '../config/config.js';
import { escapeText, quote } from './quote.js';

/** Past this the log is moved to <log>.1 (one old file kept): a container cannot fill the disk through it. Listed in state/limits.ts with the other bounds. */
export const MAX_LOG_BYTES = 8 * 1024 * 1024;

let configured: string | undefined;

/** Set the log file from the config (the env override still wins). */
export function setLogFile(path: string | undefined): void {
  configured = path;
}

export function logFile(): string {
  return process.env.SECCOMP_GEN_LOG ?? configured ?? DEFAULT_LOG_FILE;
}

const MAX_FIELD_CHARS = 4200;
const MAX_MESSAGE_CHARS = 16 * 1024;

function cut(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…(${value.length} chars)` : value;
}

const OPEN_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NOCTTY | constants.O_NONBLOCK;

/** Open the log for appending, first moving it to <log>.1 when it has grown past `maxBytes`. */
function openLog(path: string, maxBytes: number): number {
  const fd = openSync(path, OPEN_FLAGS, 0o640);
  const st = fstatSync(fd);
  if (st.size < maxBytes) return fd;
  closeSync(fd);
  try {
    // Only the file we measured: another hook may have rotated it meanwhile.
    if (statSync(path).ino === st.ino) renameSync(path, `${path}.1`);
  } catch {
    /* rotated meanwhile */
  }
  return openSync(path, OPEN_FLAGS, 0o640);
}

/** Append `2025-…Z pid=N stage event k=v …: message`, values quoted when not plain. */
export function logEvent(stage: string, event: string, fields: Record<string, string | number | undefined> = {}, message?: string, maxBytes = MAX_LOG_BYTES): void {
  try {
    const kv = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${quote(cut(String(v), MAX_FIELD_CHARS))}`);
    const line = [new Date().toISOString(), `pid=${process.pid}`, stage, event, ...kv].join(' ') + (message ? `: ${escapeText(cut(message, MAX_MESSAGE_CHARS))}` : '') + '\n';
    // O_APPEND: concurrent hooks' lines do not interleave; O_NOFOLLOW: root does not append through a symlink.
    const fd = openLog(logFile(), maxBytes);
    try {
      writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* never fail a hook because logging failed */
  }
}
