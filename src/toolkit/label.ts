/**
 * A profile as the value of Podman's `io.containers.seccomp.profile` image label, and as the
 * Containerfile line that sets it. `podman run --seccomp-policy=image` reads that label and hands
 * its value to containers/common's seccomp.LoadProfile, as it would a --security-opt file, so the
 * value is the profile in Podman's own format (convert --to podman), compact.
 *
 * The value is written in ASCII only, with `'` as \u0027: JSON may escape any character that way
 * and every JSON reader gives back the same string. That lets the LABEL line quote it in single
 * quotes, which no Containerfile parser looks into: openshift/imagebuilder (buildah, podman
 * build) and moby/buildkit take "all chars between single quotes as-is" (their shell lexers'
 * processSingleQuote), so no `$VAR` is expanded and no backslash is an escape, whatever the
 * `# escape=` directive says. Double quotes would need `\"`, `\\` and `\$` escaped, and a JSON
 * document is full of them. Non-ASCII is escaped too, so nothing rests on the builder's or a CI
 * log's idea of Unicode (Go's unicode.IsSpace counts U+0085 and U+00A0 as blanks).
 *
 * One Containerfile line holds at most 65535 bytes in buildah before 1.32 (imagebuilder reads
 * lines with bufio.Scanner's default 64 KiB buffer): a longer LABEL line there is dropped without
 * a word, with the rest of the file (seen with podman 4.3.1). Longer values are therefore split
 * with `\` line continuations, which the parsers join back with nothing in between; a
 * continuation line never starts with `#` (it would be a comment) or a blank. (`\` is the default
 * escape token; a Containerfile that sets `# escape=\`` needs such a long line's `\` changed.)
 * Pure: profile in, text out.
 */
import { isDeepStrictEqual } from 'node:util';
import { SeccompGenError } from '../errors.js';
import { parseJson } from '../io/json-file.js';
import type { CanonicalProfile, LoadedProfile } from './model.js';
import { normalizeDocument } from './normalize.js';

/** The label podman run --seccomp-policy=image reads (podman pkg/seccomp ContainerImageLabel). */
export const SECCOMP_PROFILE_LABEL = 'io.containers.seccomp.profile';

/** The longest physical line buildah before 1.32 reads from a Containerfile. */
export const CONTAINERFILE_LINE_LIMIT = 65535;

const toUnicodeEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * `value` as compact JSON in printable ASCII, with no `'`: every other character as \uXXXX (a
 * character outside the BMP as its two surrogate escapes). JSON.stringify already escapes the
 * control characters, quotes and backslashes inside strings; this only adds escapes, so the
 * text parses back to the same value.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x26\x28-\x7e]/g, toUnicodeEscape);
}

/** Read a label's text back as a profile; `source` names it in errors. */
export function profileFromLabel(text: string, source: string): LoadedProfile {
  return normalizeDocument(parseJson(text, source), source);
}

/**
 * The label's value for a profile already written in Podman's format (`podmanDocument`), checked
 * to load back as `profile` itself: what podman will apply is what was converted.
 */
export function labelValue(profile: CanonicalProfile, podmanDocument: unknown): string {
  const text = asciiJson(podmanDocument);
  const back = profileFromLabel(text, SECCOMP_PROFILE_LABEL).profile;
  if (!isDeepStrictEqual(back, profile)) {
    throw new Error(`the ${SECCOMP_PROFILE_LABEL} value does not read back as the profile it was made from`);
  }
  return text;
}

/**
 * Where to end the physical line that starts at `start`: at most `limit` characters on, and
 * never so that the next line starts with a blank or `#`.
 */
function breakAt(text: string, start: number, limit: number): number {
  let end = Math.min(start + limit, text.length);
  while (end < text.length && end > start + 1 && /[\s#]/.test(text[end]!)) end--;
  return end;
}

/**
 * The Containerfile line `LABEL io.containers.seccomp.profile='<value>'` (with a final newline),
 * continued over several lines only when one would be longer than `lineLimit` bytes.
 */
export function containerfileLabel(value: string, lineLimit = CONTAINERFILE_LINE_LIMIT): string {
  if (/[^\x20-\x26\x28-\x7e]/.test(value)) {
    throw new SeccompGenError('PROFILE', `a ${SECCOMP_PROFILE_LABEL} value for a Containerfile must be printable ASCII without "'" (use seccomp-gen convert --to label)`);
  }
  const line = `LABEL ${SECCOMP_PROFILE_LABEL}='${value}'`;
  if (line.length <= lineLimit) return `${line}\n`;
  const room = lineLimit - 1; // the `\` that continues it
  const parts: string[] = [];
  for (let start = 0; start < line.length; ) {
    const end = line.length - start <= lineLimit ? line.length : breakAt(line, start, room);
    parts.push(line.slice(start, end));
    start = end;
  }
  return `${parts.join('\\\n')}\n`;
}

export interface LabelOptions {
  /** A Containerfile line rather than the bare value. */
  containerfile: boolean;
  lineLimit?: number;
}

/** The label's value, or the Containerfile line that sets it, for `profile` in Podman's format. */
export function toLabel(profile: CanonicalProfile, podmanDocument: unknown, options: LabelOptions): string {
  const value = labelValue(profile, podmanDocument);
  return options.containerfile ? containerfileLabel(value, options.lineLimit) : `${value}\n`;
}
