/**
 * One lock around the shared kernel state (load-or-reuse the pinned program, add or remove a
 * target, detach when the last leaves), taken by concurrent hook processes. Node has no flock(2),
 * so the lock is a file created with O_EXCL holding the owner's pid; a lock whose owner died
 * (kill -9 between the steps) is broken by the next taker, under a second lock (see breakIfStale).
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { lockPath, runDir } from './paths.js';

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

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new SeccompGenError('LOCK', `cannot create lock ${path} (${(e as NodeJS.ErrnoException).code})`);
  }
}

function readOwner(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // released meanwhile
  }
}

function isStale(owner: string | undefined): boolean {
  const pid = Number(owner);
  // An empty file is a lock being written right now, not a stale one.
  return owner !== undefined && owner !== '' && Number.isInteger(pid) && pid > 0 && !alive(pid);
}

/** A breaker older than this was left by a taker killed inside its few-microsecond window. */
const BREAKER_STALE_MS = 5_000;

/**
 * Break the lock if its owner is dead. Reading the pid and unlinking the path are two steps: two
 * takers that both saw the dead pid could otherwise both unlink, the second removing the live lock
 * the first (or a third) had just taken, and two would run at once. So breaking is itself
 * exclusive (lock.break, O_EXCL) and re-reads the owner under it: only the same dead owner's file
 * is removed.
 */
function breakIfStale(path: string): void {
  const owner = readOwner(path);
  if (!isStale(owner)) return;
  const breaker = `${path}.break`;
  if (!tryAcquire(breaker)) {
    try {
      if (Date.now() - statSync(breaker).mtimeMs > BREAKER_STALE_MS) unlinkSync(breaker);
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

export function withLock<T>(fn: () => T, timeoutMs = 10_000): T {
  mkdirSync(runDir(), { recursive: true, mode: 0o700 });
  const path = lockPath();
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; !tryAcquire(path); wait = Math.min(wait * 2, 20)) {
    if (Date.now() > deadline) {
      throw new SeccompGenError('LOCK', `${path} stayed locked for ${timeoutMs / 1000} s (held by pid ${readFileSync(path, 'utf8') || '?'})`);
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
