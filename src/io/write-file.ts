/**
 * Writing a file as root without being tricked: the final component is never followed if it is
 * a symlink, nothing goes under /proc, /sys or /dev, and readers see the old file or the whole
 * new one (temp file in the same directory + fsync + rename), never half of it.
 */
import { closeSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, unlinkSync, writeSync, constants } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { SeccompGenError } from '../errors.js';

const FORBIDDEN_ROOTS = ['/proc', '/sys', '/dev'];

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(root + '/');
}

/** Throws unless `path` is a place we may write a profile to. Returns the real directory. */
export function checkOutputPath(path: string): string {
  if (!isAbsolute(path)) throw new SeccompGenError('PATH', `${path}: output path must be absolute`);
  if (path.endsWith('/')) throw new SeccompGenError('PATH', `${path}: output path names a directory`);
  let dir: string;
  try {
    dir = realpathSync(dirname(path));
  } catch {
    throw new SeccompGenError('PATH', `${path}: directory ${dirname(path)} does not exist`);
  }
  if (!lstatSync(dir).isDirectory()) throw new SeccompGenError('PATH', `${path}: ${dirname(path)} is not a directory`);
  for (const root of FORBIDDEN_ROOTS) {
    if (under(dir, root)) throw new SeccompGenError('PATH', `${path}: refusing to write under ${root}`);
  }
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return dir; // does not exist yet: fine
  }
  if (st.isSymbolicLink()) throw new SeccompGenError('PATH', `${path}: is a symlink; refusing to write through it`);
  if (!st.isFile()) throw new SeccompGenError('PATH', `${path}: exists and is not a regular file`);
  return dir;
}

export interface WriteOptions {
  mode?: number;
  /** Owner to give the file (the user who started the container), when known. */
  uid?: number;
  gid?: number;
}

// Temp names need only be unique among our own writers: O_EXCL refuses any clash, and pid +
// time + a counter avoid one. (node:crypto for a random suffix cost the hooks ~3 ms to load.)
let tempCounter = 0;
function tempSuffix(): string {
  return `${process.pid}.${Date.now().toString(36)}.${(tempCounter++).toString(36)}`;
}

export function writeFileAtomic(path: string, content: string, options: WriteOptions = {}): void {
  const dir = checkOutputPath(path);
  const tmp = join(dir, `.${basename(path)}.${tempSuffix()}.tmp`);
  // O_EXCL|O_NOFOLLOW: the temp name is new, and we create it ourselves.
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode ?? 0o644);
  try {
    try {
      fchmodSync(fd, options.mode ?? 0o644); // whatever the umask
      if (options.uid !== undefined) fchownSync(fd, options.uid, options.gid ?? -1);
      const buf = Buffer.from(content, 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // rename() replaces the directory entry itself: it never follows a symlink at `path`.
    renameSync(tmp, join(dir, basename(path)));
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw new SeccompGenError('PATH', `${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Profiles are written as 2-space JSON with a final newline: stable, diffable. */
export function formatJson(data: unknown): string {
  return JSON.stringify(data, null, 2) + '\n';
}
