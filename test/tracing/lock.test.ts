import { execFileSync, spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneLockTemps, withLock } from '../../src/tracing/lock.js';
import { lockPath } from '../../src/state/paths.js';
import { SeccompGenError } from '../../src/errors.js';
import { seccompGenErrorOf, usePrivateRunDir } from '../helpers.js';

const scratch = usePrivateRunDir('sg-lock-');

function lockError(fn: () => unknown): SeccompGenError {
  const e = seccompGenErrorOf(fn);
  expect(e.code).toBe('LOCK');
  return e;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync('true');
  expect(r.status).toBe(0);
  return r.pid as number;
}

describe('withLock', () => {
  it('creates the run directory (0700), runs fn under the lock and releases it', () => {
    const result = withLock(() => {
      expect(readFileSync(lockPath(), 'utf8')).toBe(String(process.pid));
      return 42;
    });
    expect(result).toBe(42);
    expect(lockPath()).toBe(join(scratch.dir, 'run', 'lock'));
    expect(existsSync(lockPath())).toBe(false);
    expect(statSync(join(scratch.dir, 'run')).mode & 0o777).toBe(0o700);
  });

  it('releases the lock when fn throws', () => {
    expect(() =>
      withLock(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(existsSync(lockPath())).toBe(false);
    expect(withLock(() => 'again')).toBe('again');
  });

  it('is exclusive: a second taker waits, then gives up with a LOCK error naming the holder', () => {
    withLock(() => {
      const started = Date.now();
      const e = lockError(() => withLock(() => 'never', 100));
      expect(e.message).toBe(`${lockPath()} stayed locked for 0.1 s (held by pid ${process.pid})`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      expect(Date.now() - started).toBeLessThan(2000);
      // the holder still holds it
      expect(readFileSync(lockPath(), 'utf8')).toBe(String(process.pid));
    });
  });

  it('does not break a lock whose owner is alive', () => {
    withLock(() => undefined); // create the run directory
    writeFileSync(lockPath(), '1'); // init never dies
    expect(lockError(() => withLock(() => 'x', 50)).message).toMatch(/held by pid 1\)$/);
    expect(readFileSync(lockPath(), 'utf8')).toBe('1');
  });

  it('breaks a stale lock whose owner is dead', () => {
    withLock(() => undefined);
    const pid = deadPid();
    writeFileSync(lockPath(), String(pid));
    const started = Date.now();
    expect(withLock(() => readFileSync(lockPath(), 'utf8'), 2000)).toBe(String(process.pid));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(existsSync(lockPath())).toBe(false);
  });

  it('never leaves the lock empty; an empty one (left by an older version on a full disk) is broken once a few seconds old', () => {
    withLock(() => {
      expect(readFileSync(lockPath(), 'utf8')).toBe(String(process.pid)); // whole from the moment it exists
    });
    writeFileSync(lockPath(), '');
    expect(lockError(() => withLock(() => 'x', 50)).message).toMatch(/held by pid \?\)$/);
    expect(existsSync(lockPath())).toBe(true);
    const old = (Date.now() - 10_000) / 1000;
    utimesSync(lockPath(), old, old);
    expect(withLock(() => 'mine', 2000)).toBe('mine');
  });

  it.skipIf(process.getuid?.() !== 0)('on a full run directory: refused saying so, nothing left behind, taken again the moment space returns', () => {
    const run = join(scratch.dir, 'run');
    mkdirSync(run);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'sg-lock-test', run]);
    try {
      const filler = join(run, 'filler');
      try {
        writeFileSync(filler, Buffer.alloc(1024 * 1024)); // far more than fits
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      const e = lockError(() => withLock(() => 'x', 200));
      expect(e.message).toMatch(/^cannot take the lock .*\/lock \(.* is full\): make room there; tracing resumes by itself$/);
      expect(readdirSync(run)).toEqual(['filler']); // no empty lock, no temporary file
      unlinkSync(filler);
      const started = Date.now();
      expect(withLock(() => readFileSync(lockPath(), 'utf8'), 200)).toBe(String(process.pid));
      expect(Date.now() - started).toBeLessThan(100);
    } finally {
      execFileSync('umount', [run]);
    }
  });

  it('gc removes a temporary pid file of a taker killed before it linked it', () => {
    withLock(() => undefined);
    const dead = deadPid();
    writeFileSync(`${lockPath()}.${dead}.0.taking`, String(dead));
    writeFileSync(`${lockPath()}.${process.pid}.99.taking`, String(process.pid)); // a live taker's
    expect(pruneLockTemps()).toBe(1);
    expect(readdirSync(join(scratch.dir, 'run'))).toEqual([`lock.${process.pid}.99.taking`]);
  });

  it('gets the lock once its owner, another process, dies', async () => {
    withLock(() => undefined);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    writeFileSync(lockPath(), String(child.pid));
    expect(lockError(() => withLock(() => 'x', 50)).message).toMatch(new RegExp(`held by pid ${child.pid}\\)$`));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(withLock(() => 'mine', 2000)).toBe('mine');
  });

  it('breaks a stale lock only under lock.break: while another taker is breaking it, it is left alone', () => {
    withLock(() => undefined);
    const pid = deadPid();
    writeFileSync(lockPath(), String(pid));
    writeFileSync(`${lockPath()}.break`, '1'); // a live breaker at work (it re-reads the owner before removing)
    expect(lockError(() => withLock(() => 'x', 100)).message).toMatch(new RegExp(`held by pid ${pid}\\)$`));
    expect(readFileSync(lockPath(), 'utf8')).toBe(String(pid));
    // A breaker left by a taker killed inside its window goes after a few seconds.
    const old = (Date.now() - 10_000) / 1000;
    utimesSync(`${lockPath()}.break`, old, old);
    expect(withLock(() => 'mine', 2000)).toBe('mine');
    expect(existsSync(`${lockPath()}.break`)).toBe(false);
  });
});

describe('withLock across processes', () => {
  it('loses no update when 6 processes contend, starting from a stale lock of a dead pid', async () => {
    const built = new URL('../../dist/tracing/lock.js', import.meta.url);
    if (!existsSync(built)) throw new Error('dist/tracing/lock.js is missing: run npm run build');
    const counter = join(scratch.dir, 'counter');
    writeFileSync(counter, '0');
    // A lock left by a process that is gone (kill -9 between the steps).
    const dead = spawnSync('true').pid!;
    const run = join(scratch.dir, 'run');
    spawnSync('mkdir', ['-p', run]);
    writeFileSync(lockPath(), String(dead));
    // Each child does read-increment-write under the lock: without exclusion, updates are lost.
    const child = `
      const { withLock } = await import(${JSON.stringify(built.href)});
      const fs = await import('node:fs');
      for (let i = 0; i < 40; i++) withLock(() => {
        const n = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8'));
        fs.writeFileSync(${JSON.stringify(counter)}, String(n + 1));
      });`;
    const codes = await Promise.all(
      Array.from({ length: 6 }, () => new Promise<number | null>((resolve) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', child], { env: { ...process.env, SECCOMP_GEN_RUN_DIR: run }, stdio: 'inherit' });
        c.on('close', resolve);
      })),
    );
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    expect(readFileSync(counter, 'utf8')).toBe(String(6 * 40));
    expect(existsSync(lockPath())).toBe(false);
  }, 60_000);
});
