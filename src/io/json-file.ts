/**
 * Reading a JSON file a user (or the runtime) named: it must be a regular file of sane size (the
 * hooks run as root: /dev/zero or a FIFO must fail fast) and valid JSON (errors say line and
 * column). Messages name the file and never echo its content. No zod here: the hooks load this.
 */
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { SeccompGenError, type ErrorCode } from '../errors.js';
import { JsonDepthError, JsonSyntaxError, scanJson, type JsonNode } from './json-spans.js';

export const MAX_PROFILE_BYTES = 4 * 1024 * 1024;

/** Read a file that must be regular and at most `limit` bytes, without blocking on FIFOs. */
export function readRegularFile(path: string, limit = MAX_PROFILE_BYTES): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new SeccompGenError('PROFILE', `${path}: cannot open (${code})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new SeccompGenError('PROFILE', `${path}: not a regular file`);
    if (st.size > limit) throw new SeccompGenError('PROFILE', `${path}: too large (${st.size} bytes, limit ${limit})`);
    return readWhole(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

/** The text of an open file of `size` bytes (less if it shrank meanwhile). */
export function readWhole(fd: number, size: number): string {
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off).toString('utf8');
}

/** "line 3, column 7" of a character offset. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/**
 * The offset of the first JSON syntax error in `text` (text.length when it is cut short), for
 * the errors where Node 20's JSON.parse gives no position: "Unexpected token 'S', … is not valid
 * JSON" (an unquoted word, a misspelt literal, a stray comma) and "Unexpected end of JSON input".
 * Only run once JSON.parse has failed; undefined if the scanner finds nothing wrong.
 *
 * Why our own scanner (io/json-spans.ts) and not a library such as jsonc-parser, which could
 * locate errors too: the scanner is needed anyway, for what no JSON.parse gives — the byte spans
 * of values, so that another program's file (daemon.json, a bundle's config.json) is edited in
 * place with every other byte kept — and it is ~130 lines with its own property tests, with no
 * dependency in the hook bundle that runs as root in every traced container's start. Locating an
 * error is then one call on a failure path only. Were the in-place edits to go, this would be the
 * place to drop the scanner: Node 22's JSON.parse gives every error's position by itself.
 */
export function jsonErrorOffset(text: string): number | undefined {
  try {
    scanJson(text);
    return undefined;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e.offset;
    return undefined; // nested too deep to scan here
  }
}

/** The error for text that is not JSON, at `offset`: where, and not what the text is. */
function notJson(text: string, offset: number, source: string, code: ErrorCode): SeccompGenError {
  const where = text.trim() === '' ? 'empty file' : lineAndColumn(text, offset);
  return new SeccompGenError(code, `${source}: not valid JSON (${where})`);
}

/** JSON.parse with an error that says where, and not what the text is. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw notJson(text, m ? Number(m[1]) : (jsonErrorOffset(text) ?? text.length), source, 'PROFILE');
  }
}

/** Another program's file scanned for editing in place (io/json-spans.ts), with parseJson's errors under `code`. */
export function scanJsonFile(text: string, source: string, code: ErrorCode): JsonNode {
  try {
    return scanJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw notJson(text, e.offset, source, code);
    if (e instanceof JsonDepthError) throw new SeccompGenError(code, `${source}: nested too deeply to edit`);
    throw e;
  }
}
