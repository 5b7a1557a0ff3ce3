/**
 * What one container may put into the tracing state every traced container shares: bounded, so
 * no container can deny or spoil tracing for the others. Checked at prestart, before anything is
 * stored, with one line saying what to change; the readers accept everything the writers may
 * write (a record within these limits is never taken for corrupt).
 */
import { SeccompGenError } from '../errors.js';
import { UNPRINTABLE, quote } from '../log/quote.js';

/** PATH_MAX: the kernel refuses longer paths (ENAMETOOLONG) in any call. */
const MAX_PATH_BYTES = 4096;
/** The if: base profile as stored (compact JSON). Podman's default profile is ~20 KB. */
export const MAX_BASE_BYTES = 1024 * 1024;
/** JSON nesting of the if: base: a profile is 5 deep (profile, syscalls, rule, args, condition). */
export const MAX_BASE_DEPTH = 32;
/** One target record without its base (paths, the tracing filter's errno answers, a command's argv). */
export const MAX_RECORD_BYTES = 512 * 1024;
/** One set-aside recording: its record, its base and at most 3 x 1024 syscall numbers. */
export const MAX_UNWRITTEN_ENTRY_BYTES = MAX_RECORD_BYTES + MAX_BASE_BYTES + 64 * 1024;
/** The whole unwritten/ store, and how many recordings it keeps: the oldest go first. */
export const MAX_UNWRITTEN_BYTES = 64 * 1024 * 1024;
export const MAX_UNWRITTEN_ENTRIES = 256;
/** The rootless broker's kept recordings, all users together (state/broker-records.ts; their count is bounded by the config). */
export const MAX_BROKER_KEPT_BYTES = 16 * 1024 * 1024;
/** The log file rotates past this (log/log.ts holds the number: the log sits below state/). */
export { MAX_LOG_BYTES } from '../log/log.js';

/** Refuse an of:/if: path the kernel or our output could not take: too long, or with control characters. */
export function checkPathValue(path: string, what: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes >= MAX_PATH_BYTES) {
    throw new SeccompGenError('PATH', `${what} is ${bytes} bytes long, over PATH_MAX (${MAX_PATH_BYTES}): use a shorter path`);
  }
  if (UNPRINTABLE.test(path)) {
    throw new SeccompGenError('PATH', `${what} ${quote(path)} contains control or bidi characters: use a plain path`);
  }
}

/** How deeply `value` nests arrays and objects (1 for a flat one), stopping past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_BASE_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The base as stored (compact JSON), refused if too deep or too large. */
export function storedBase(base: unknown): string {
  const depth = jsonDepth(base);
  if (depth > MAX_BASE_DEPTH) throw new SeccompGenError('PROFILE', `if: nests JSON more than ${MAX_BASE_DEPTH} deep: a seccomp profile needs 5 levels`);
  const text = JSON.stringify(base);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_BASE_BYTES) throw new SeccompGenError('PROFILE', `if: is ${bytes} bytes as compact JSON, over the ${MAX_BASE_BYTES}-byte limit: use a smaller base profile`);
  return text;
}
