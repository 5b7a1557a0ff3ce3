/**
 * Reading a profile file a user named: it must be a regular file of sane size (the hooks run as
 * root: /dev/zero or a FIFO must fail fast), valid JSON (errors say line and column) and of the
 * profile's shape (errors say where). Messages name the file and never echo its content.
 */
import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { ProfileSchema, describeIssue, type Profile } from './schema.js';

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
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** "line 3, column 7" of a character offset. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** JSON.parse with an error that says where, and not what the text is. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    // Node 20 gives no position for truncated input: the error is at its end.
    const where = text.trim() === '' ? 'empty file' : lineAndColumn(text, m ? Number(m[1]) : text.length);
    throw new SeccompGenError('PROFILE', `${source}: not valid JSON (${where})`);
  }
}

/** Check that `data` is a seccomp profile; `source` names it in the error. */
export function parseProfile(data: unknown, source: string): Profile {
  const result = ProfileSchema.safeParse(data);
  if (!result.success) {
    throw new SeccompGenError('PROFILE', `${source}: not a seccomp profile: ${describeIssue(result.error)}`);
  }
  return result.data;
}

export function readProfileFile(path: string): Profile {
  return parseProfile(parseJson(readRegularFile(path), path), path);
}
