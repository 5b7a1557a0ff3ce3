import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOutputAllowed } from '../../src/profile/output-policy.js';
import { SeccompGenError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'sg-policy-')));
  mkdirSync(join(dir, 'allowed', 'sub'), { recursive: true });
  mkdirSync(join(dir, 'other'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function pathError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    expect((e as SeccompGenError).code).toBe('PATH');
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('checkOutputAllowed', () => {
  it('with no allow-list, allows what checkOutputPath allows', () => {
    expect(checkOutputAllowed(join(dir, 'other', 'p.json'), undefined)).toBe(join(dir, 'other'));
    expect(pathError(() => checkOutputAllowed('/proc/self/p.json', undefined))).toMatch(/under \/proc/);
  });

  it('allows the listed directories and below', () => {
    const dirs = [join(dir, 'allowed')];
    expect(checkOutputAllowed(join(dir, 'allowed', 'p.json'), dirs)).toBe(join(dir, 'allowed'));
    expect(checkOutputAllowed(join(dir, 'allowed', 'sub', 'p.json'), dirs)).toBe(join(dir, 'allowed', 'sub'));
  });

  it('refuses elsewhere, naming the list; a sibling sharing a prefix is elsewhere', () => {
    const dirs = [join(dir, 'allowed')];
    expect(pathError(() => checkOutputAllowed(join(dir, 'other', 'p.json'), dirs))).toMatch(/not under an allowed output directory \(outputDirs .*allowed\)/);
    mkdirSync(join(dir, 'allowed-not'));
    expect(pathError(() => checkOutputAllowed(join(dir, 'allowed-not', 'p.json'), dirs))).toMatch(/not under an allowed/);
    expect(pathError(() => checkOutputAllowed(join(dir, 'other', 'p.json'), []))).toMatch(/none/);
  });

  it('a symlinked directory inside the list that leads out of it is refused', () => {
    symlinkSync(join(dir, 'other'), join(dir, 'allowed', 'escape'));
    expect(pathError(() => checkOutputAllowed(join(dir, 'allowed', 'escape', 'p.json'), [join(dir, 'allowed')]))).toMatch(/not under an allowed/);
  });

  it('a listed directory given through a symlink is compared by its real path', () => {
    symlinkSync(join(dir, 'allowed'), join(dir, 'alias'));
    expect(checkOutputAllowed(join(dir, 'allowed', 'p.json'), [join(dir, 'alias')])).toBe(join(dir, 'allowed'));
  });
});
