/**
 * Where an engine reads a runtime's error: the `--log` file it gave, in its `--log-format`.
 * containerd's runc shim (Docker, ctr, Kubernetes) hands the runtime's stderr to the container's
 * own stdio and reports the last `"level":"error"` line of the JSON log instead, so a refusal
 * written only to stderr would reach the user as "unable to retrieve OCI runtime error".
 */
import { closeSync, openSync, writeSync, constants } from 'node:fs';

/** One error line as runc (logrus) writes it: JSON, or text. */
function runtimeLogLine(format: string, message: string, time = new Date()): string {
  if (format === 'json') return `${JSON.stringify({ level: 'error', msg: message, time: time.toISOString() })}\n`;
  return `time="${time.toISOString()}" level=error msg=${JSON.stringify(message)}\n`;
}

/** Append the line to the runtime log, if the engine named one; never fails (stderr has it too). */
export function logRuntimeError(log: string | undefined, format: string, message: string): void {
  if (!log) return;
  try {
    const fd = openSync(log, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NOCTTY | constants.O_NONBLOCK, 0o600);
    try {
      writeSync(fd, runtimeLogLine(format, message));
    } finally {
      closeSync(fd);
    }
  } catch {
    /* the line is on stderr as well */
  }
}
