/**
 * One lock around the shared kernel state (load-or-reuse the pinned program, add or remove a
 * target, detach when the last leaves), taken by concurrent hook processes. Node has no flock(2),
 * so the lock is a file holding the owner's pid, and it is never left empty: the pid is written
 * to a private temporary file first, which link(2) then puts in place, atomically and only if no
 * lock exists. The lock either holds a whole pid or does not exist. On a full /run the write of
 * the temporary file fails (ENOSPC), nothing is left behind, and the next taker gets the lock as
 * soon as there is room again. (The old O_EXCL-then-write lock stayed empty after an ENOSPC, and
 * an empty lock was never taken for stale: tracing stopped until someone removed it by hand.)
 * A lock whose owner died (kill -9 between the steps) is broken by the next taker, under a second
 * lock of the same kind (see breakIfStale).
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { lockPath, namesIn, runDir } from '../state/paths.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const TEMP_SUFFIX = '.taking';
let taken = 0;

/** Put a file holding our pid at `path` if there is none; false if one is there. */
function tryAcquire(path: string): boolean {
  const temp = `${path}.${process.pid}.${taken++}${TEMP_SUFFIX}`;
  try {
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, String(process.pid));
    } finally {
      closeSync(fd);
    }
    linkSync(temp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    const why = code === 'ENOSPC' || code === 'EDQUOT' ? `${runDir()} is full` : code;
    throw new SeccompGenError('LOCK', `cannot take the lock ${path} (${why}): make room there; tracing resumes by itself`);
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      /* never made */
    }
  }
}

function readOwner(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // released meanwhile
  }
}

/** A breaker, or a lock with no pid (left by an older seccomp-gen on a full disk), older than this is stale. */
const BREAKER_STALE_MS = 5_000;

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

function isStale(path: string, owner: string | undefined): boolean {
  if (owner === undefined) return false;
  const pid = Number(owner);
  if (owner === '' || !Number.isInteger(pid) || pid <= 0) return olderThan(path, BREAKER_STALE_MS);
  return !alive(pid);
}

/**
 * Break the lock if its owner is dead. Reading the pid and unlinking the path are two steps: two
 * takers that both saw the dead pid could otherwise both unlink, the second removing the live lock
 * the first (or a third) had just taken, and two would run at once. So breaking is itself
 * exclusive (lock.break) and re-reads the owner under it: only the same dead owner's file is
 * removed.
 */
function breakIfStale(path: string): void {
  const owner = readOwner(path);
  if (!isStale(path, owner)) return;
  const breaker = `${path}.break`;
  if (!tryAcquire(breaker)) {
    try {
      if (olderThan(breaker, BREAKER_STALE_MS)) unlinkSync(breaker);
    } catch {
      /* released meanwhile */
    }
    return;
  }
  try {
    if (readOwner(path) === owner) unlinkSync(path);
  } catch {
    /* released meanwhile */
  } finally {
    try {
      unlinkSync(breaker);
    } catch {
      /* nothing to release */
    }
  }
}

/** Temporary files of takers killed between writing their pid and linking it (gc calls this). */
export function pruneLockTemps(): number {
  let n = 0;
  for (const name of namesIn(runDir())) {
    const m = /^lock(?:\.break)?\.(\d+)\.\d+\.taking$/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try {
      unlinkSync(join(runDir(), name));
      n++;
    } catch {
      /* gone meanwhile */
    }
  }
  return n;
}

export function withLock<T>(fn: () => T, timeoutMs = 10_000): T {
  mkdirSync(runDir(), { recursive: true, mode: 0o700 });
  const path = lockPath();
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; !tryAcquire(path); wait = Math.min(wait * 2, 20)) {
    if (Date.now() > deadline) {
      throw new SeccompGenError('LOCK', `${path} stayed locked for ${timeoutMs / 1000} s (held by pid ${readOwner(path) || '?'})`);
    }
    breakIfStale(path);
    sleep(wait);
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* nothing to release */
    }
  }
}
