/**
 * One error vocabulary. A SeccompGenError is the user's to fix: the CLI and the hooks print its
 * message as one line (podman shows a failing hook's stderr in its own error). Anything else
 * that escapes is a bug and is printed with its stack.
 */
export type ErrorCode =
  | 'USAGE' // wrong command line
  | 'ANNOTATION' // io.containers.trace-syscall is malformed
  | 'STATE' // the OCI state on stdin is not what a hook expects
  | 'PATH' // a path the user chose is not acceptable
  | 'PROFILE' // a profile file cannot be read or is not a seccomp profile
  | 'LIBRARY' // libbpf or libseccomp is missing
  | 'BPF' // the kernel refused a BPF operation
  | 'TARGET' // per-container tracing state is missing or broken
  | 'LOCK' // shared state stayed locked too long
  | 'BROKER' // the rootless broker refused, or cannot be reached
  | 'CONFIG'; // /etc/seccomp-gen/config.json is unreadable or invalid

export class SeccompGenError extends Error {
  override name = 'SeccompGenError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isSeccompGenError(e: unknown): e is SeccompGenError {
  return e instanceof SeccompGenError;
}

/**
 * How an error is told: a user's error as one line (exit 1, or 2 for usage), a bug with its
 * stack (exit 70). Uncoloured: the CLI adds colour, the hooks' stderr goes into podman's error.
 */
export function describeError(prefix: string, e: unknown): { text: string; exitCode: number; bug: boolean } {
  if (isSeccompGenError(e)) return { text: `${prefix}: ${e.message}`, exitCode: e.code === 'USAGE' ? 2 : 1, bug: false };
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return { text: `${prefix}: internal error (please report):\n${detail}`, exitCode: 70, bug: true };
}

/** The message of whatever was thrown, for wrapping a foreign error into ours. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
