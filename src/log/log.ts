/**
 * The hooks' log: one line per event (what was traced, written, collected, refused and why),
 * appended to the configured log file (default /var/log/seccomp-gen.log; SECCOMP_GEN_LOG
 * overrides it). A hook's stderr is only seen when it fails; this is the record of the rest.
 * Logging must never fail a hook: every error here is swallowed.
 */
import { closeSync, openSync, writeSync, constants } from 'node:fs';
import { DEFAULT_LOG_FILE } from '../config/config.js';

let configured: string | undefined;

/** Set the log file from the config (the env override still wins). */
export function setLogFile(path: string | undefined): void {
  configured = path;
}

export function logFile(): string {
  return process.env.SECCOMP_GEN_LOG ?? configured ?? DEFAULT_LOG_FILE;
}

/** `value` with no newline or control character: one event, one line, whatever a user chose. */
function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\x00-\x1f\x7f]/g, '?');
}

/** Append `2025-…Z stage event k=v …: message`. */
export function logEvent(stage: string, event: string, fields: Record<string, string | number | undefined> = {}, message?: string): void {
  try {
    const kv = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${clean(String(v))}`);
    const line = [new Date().toISOString(), `pid=${process.pid}`, stage, event, ...kv].join(' ') + (message ? `: ${clean(message)}` : '') + '\n';
    // O_APPEND: concurrent hooks' lines do not interleave; O_NOFOLLOW: root does not append through a symlink.
    const fd = openSync(logFile(), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NOCTTY | constants.O_NONBLOCK, 0o640);
    try {
      writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* never fail a hook because logging failed */
  }
}
