import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureUserRunDir, userRunDir } from '../../src/rootless/user-state.js';

let dir: string;
const saved = { ...process.env };
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-user-'));
  delete process.env.SECCOMP_GEN_USER_RUN_DIR;
  delete process.env.XDG_RUNTIME_DIR;
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(dir, { recursive: true, force: true });
});

describe("the user's run directory", () => {
  it('is under $XDG_RUNTIME_DIR, else /run/user/<uid> when it exists, else a /tmp directory of the uid', () => {
    process.env.XDG_RUNTIME_DIR = dir;
    expect(userRunDir(1003)).toBe(join(dir, 'seccomp-gen'));
    delete process.env.XDG_RUNTIME_DIR;
    expect(userRunDir(4000000)).toBe('/tmp/seccomp-gen-run-4000000');
  });

  it('is made 0700, and refused when someone left it open (e.g. made first in /tmp by another user)', () => {
    process.env.SECCOMP_GEN_USER_RUN_DIR = join(dir, 'run');
    ensureUserRunDir(1003);
    expect(statSync(join(dir, 'run')).mode & 0o777).toBe(0o700);
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    process.env.SECCOMP_GEN_USER_RUN_DIR = open;
    expect(() => ensureUserRunDir(1003)).toThrow(/is not a directory of yours alone \(mode 0700\): remove it, or set XDG_RUNTIME_DIR/);
  });
});
