/**
 * Writing a file as root without being tricked: the final component is never followed if it is
 * a symlink, nothing goes under /proc, /sys or /dev, and readers see the old file or the whole
 * new one (temp file in the same directory + fsync + rename), never half of it.
 *
 * The directory is resolved ONCE: we chdir into it and do everything relative to that handle
 * (Node has no openat(2); the working directory is the one directory handle it lets us use).
 * A directory of the path swapped for a symlink after the check cannot move the write: the
 * check and the write both see the directory we stand in, named by getcwd(2) as it really is.
 */
import { closeSync, fchmodSync, fchownSync, fstatSync, fsyncSync, lstatSync, openSync, renameSync, unlinkSync, writeSync, constants } from 'node:fs';
import { basename, dirname, isAbsolute } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { readWhole } from './json-file.js';

const FORBIDDEN_ROOTS = ['/proc', '/sys', '/dev'];

/** Whether `path` is `root` or below it (both real, absolute paths). */
export function isUnder(path: string, root: string): boolean {
  return root === '/' || path === root || path.startsWith(root + '/');
}

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** The forbidden root `realDir` lies under, if any. */
function forbiddenRootOf(realDir: string): string | undefined {
  return FORBIDDEN_ROOTS.find((root) => isUnder(realDir, root));
}

/** The shape rules every output path follows, before anything is looked up. */
function checkShape(path: string): void {
  if (!isAbsolute(path)) throw new SeccompGenError('PATH', `${path}: output path must be absolute`);
  if (path.endsWith('/')) throw new SeccompGenError('PATH', `${path}: output path names a directory`);
}

/**
 * Run `fn` standing in the directory of `path`, with that directory's real path and the file's
 * name; the previous working directory is restored (or / if it can no longer be entered).
 */
export function inDirectoryOf<T>(path: string, fn: (realDir: string, name: string) => T): T {
  checkShape(path);
  const previous = process.cwd();
  try {
    process.chdir(dirname(path));
  } catch (e) {
    const code = codeOf(e);
    const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : code === 'EACCES' ? 'cannot be entered (EACCES)' : `cannot be entered (${code})`;
    throw new SeccompGenError('PATH', `${path}: directory ${dirname(path)} ${why}`);
  }
  try {
    const realDir = process.cwd();
    const root = forbiddenRootOf(realDir);
    if (root) throw new SeccompGenError('PATH', `${path}: refusing to write under ${root}`);
    return fn(realDir, basename(path));
  } finally {
    try {
      process.chdir(previous);
    } catch {
      process.chdir('/');
    }
  }
}

/** What is at `name` in the working directory: nothing, or a regular file (else refused). */
export function existingHere(path: string, name: string): { uid: number; size: number } | undefined {
  let st;
  try {
    st = lstatSync(name);
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return undefined;
    throw new SeccompGenError('PATH', `${path}: cannot be examined (${codeOf(e)})`);
  }
  if (st.isSymbolicLink()) throw new SeccompGenError('PATH', `${path}: is a symlink; refusing to write through it`);
  if (!st.isFile()) throw new SeccompGenError('PATH', `${path}: exists and is not a regular file`);
  return { uid: st.uid, size: st.size };
}

/**
 * The text of `name` in the working directory, never through a symlink; '' when it is not a
 * regular file or is larger than `maxBytes` (not a file we would have written).
 */
export function readHere(path: string, name: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(name, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    throw new SeccompGenError('PATH', `${path}: exists and cannot be read to check that it is a profile (${codeOf(e)})`);
  }
  try {
    const st = fstatSync(fd);
    return st.isFile() && st.size <= maxBytes ? readWhole(fd, st.size) : '';
  } finally {
    closeSync(fd);
  }
}

/** Throws unless `path` is a place we may write a file to. Returns the real directory. */
export function checkOutputPath(path: string): string {
  return inDirectoryOf(path, (realDir, name) => {
    existingHere(path, name);
    return realDir;
  });
}

export interface WriteOptions {
  mode?: number;
  /** Owner to give the file (only root can), when it must differ from the writer's own. */
  uid?: number;
  gid?: number;
}

// Temp names need only be unique among our own writers: O_EXCL refuses any clash, and pid +
// time + a counter avoid one. (node:crypto for a random suffix cost the hooks ~3 ms to load.)
let tempCounter = 0;
function tempName(name: string): string {
  return `.${name}.${process.pid}.${Date.now().toString(36)}.${(tempCounter++).toString(36)}.tmp`;
}

/** Create and remove a temp file beside `name`: proves we may create files here, as we are now. */
export function probeWritableHere(path: string, name: string): void {
  const tmp = tempName(name);
  try {
    closeSync(openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
  } catch (e) {
    throw new SeccompGenError('PATH', `${path}: cannot create a file in ${dirname(path)} (${codeOf(e)})`);
  }
  unlinkSync(tmp);
}

/** Write `name` in the working directory: temp file, fsync, rename over the old one. */
export function writeHere(path: string, name: string, content: string, options: WriteOptions = {}): void {
  const tmp = tempName(name);
  try {
    // O_EXCL|O_NOFOLLOW: the temp name is new, and we create it ourselves.
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode ?? 0o644);
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
    // rename() replaces the directory entry itself: it never follows a symlink at `name`.
    renameSync(tmp, name);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never created, or already gone */
    }
    throw new SeccompGenError('PATH', `${path}: cannot write (${codeOf(e)})`);
  }
}

export function writeFileAtomic(path: string, content: string, options: WriteOptions = {}): void {
  inDirectoryOf(path, (_realDir, name) => {
    existingHere(path, name);
    writeHere(path, name, content, options);
  });
}

/** Profiles are written as 2-space JSON with a final newline: stable, diffable. */
export function formatJson(data: unknown): string {
  return JSON.stringify(data, null, 2) + '\n';
}
