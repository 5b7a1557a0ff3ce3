/**
 * How a path, id or any other value a user chose is printed (log lines, `seccomp-gen status`,
 * error messages): as is when it is plain, else in double quotes with every character that could
 * forge output escaped. Spaces would split one log field into two (`of:/x output=/etc/passwd`),
 * control characters move the cursor or erase a row on a terminal (ESC[2K\r), C1 characters do the
 * same on some terminals, and bidi controls show text in another order than it is.
 */

/** Characters that are never printed raw: C0, DEL, C1, bidi embeddings, overrides, isolates and marks, line/paragraph separators. */
// eslint-disable-next-line no-control-regex
export const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const UNPRINTABLE_ALL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"\\]/g;
const PLAIN = /^[A-Za-z0-9._/:@+,%=~-]+$/;

const hex = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;
const NAMED: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e' };

/** `value` itself if plain, else "…" with quotes, backslashes and unprintable characters escaped. */
export function quote(value: string): string {
  if (PLAIN.test(value)) return value;
  return `"${value.replace(UNPRINTABLE_ALL, (c) => NAMED[c] ?? hex(c))}"`;
}

/** Free text with user values inside (a message): unprintable characters escaped, spaces kept. */
export function escapeText(value: string): string {
  return value.replace(new RegExp(UNPRINTABLE.source, 'g'), (c) => NAMED[c] ?? hex(c));
}
