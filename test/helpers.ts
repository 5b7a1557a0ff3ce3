/** What unit tests in several folders share: a private state directory, and the error a call throws. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { SeccompGenError } from '../src/errors.js';

/**
 * A scratch directory whose `run/` is SECCOMP_GEN_RUN_DIR, made for each test (or once for the
 * enclosing describe, with 'all'), then removed and the variable restored. Read `dir` inside tests.
 */
export function usePrivateRunDir(prefix: string, scope: 'each' | 'all' = 'each'): { readonly dir: string } {
  let dir: string | undefined;
  const saved = process.env.SECCOMP_GEN_RUN_DIR;
  (scope === 'each' ? beforeEach : beforeAll)(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    process.env.SECCOMP_GEN_RUN_DIR = join(dir, 'run');
  });
  (scope === 'each' ? afterEach : afterAll)(() => {
    if (saved === undefined) delete process.env.SECCOMP_GEN_RUN_DIR;
    else process.env.SECCOMP_GEN_RUN_DIR = saved;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      if (!dir) throw new Error('the private run directory is used outside a test');
      return dir;
    },
  };
}

/** The SeccompGenError `fn` throws; the test fails if it throws nothing or something else. */
export function seccompGenErrorOf(fn: () => unknown): SeccompGenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    return e as SeccompGenError;
  }
  throw new Error('no error');
}
