import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkOutputPath, formatJson, writeFileAtomic } from '../../src/io/write-file.js';
import { SeccompGenError } from '../../src/errors.js';

// rename(2) failing (EIO, EXDEV…) cannot be provoked on demand: let a test make it fail.
const fsControl = vi.hoisted(() => ({ failRename: false }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    renameSync: (from: string, to: string) => {
      if (fsControl.failRename) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      fs.renameSync(from, to);
    },
  };
});

function pathError(fn: () => unknown): SeccompGenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    expect((e as SeccompGenError).code).toBe('PATH');
    return e as SeccompGenError;
  }
  throw new Error('no error');
}

let dir: string;
beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'sg-write-')));
});
afterEach(() => {
  fsControl.failRename = false;
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o7777;

describe('writeFileAtomic', () => {
  it('writes a new file', () => {
    const path = join(dir, 'p.json');
    writeFileAtomic(path, '{"a":1}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(dir)).toEqual(['p.json']);
  });

  it('replaces an existing file with a new one (rename, not rewrite in place)', () => {
    const path = join(dir, 'p.json');
    writeFileSync(path, 'old content that is longer than the new one');
    const before = statSync(path).ino;
    writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['p.json']);
  });

  it('is mode 0644 whatever the umask', () => {
    const old = process.umask(0o077);
    try {
      writeFileAtomic(join(dir, 'a.json'), 'x');
    } finally {
      process.umask(old);
    }
    expect(mode(join(dir, 'a.json'))).toBe(0o644);
    // and 0644 even when replacing a file that had another mode
    writeFileSync(join(dir, 'b.json'), 'x', { mode: 0o600 });
    writeFileAtomic(join(dir, 'b.json'), 'y');
    expect(mode(join(dir, 'b.json'))).toBe(0o644);
  });

  it('takes another mode when asked', () => {
    const old = process.umask(0o777);
    try {
      writeFileAtomic(join(dir, 'a.json'), 'x', { mode: 0o600 });
    } finally {
      process.umask(old);
    }
    expect(mode(join(dir, 'a.json'))).toBe(0o600);
  });

  it.skipIf(process.getuid?.() !== 0)('gives the file the owner asked for (as root)', () => {
    writeFileAtomic(join(dir, 'a.json'), 'x', { uid: 4321, gid: 4322 });
    const st = statSync(join(dir, 'a.json'));
    expect([st.uid, st.gid]).toEqual([4321, 4322]);
  });

  it('refuses a symlink as the final component and leaves its target alone', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 'precious');
    const link = join(dir, 'out.json');
    symlinkSync(target, link);
    expect(pathError(() => writeFileAtomic(link, 'evil')).message).toBe(`${link}: is a symlink; refusing to write through it`);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(readlinkSync(link)).toBe(target);
    // a dangling symlink too: writing would create its target
    const dangling = join(dir, 'dangling.json');
    symlinkSync(join(dir, 'nowhere'), dangling);
    expect(pathError(() => writeFileAtomic(dangling, 'x')).message).toMatch(/is a symlink/);
    expect(readdirSync(dir).sort()).toEqual(['dangling.json', 'out.json', 'target']);
  });

  it.each([
    ['/proc', '/proc/self/seccomp-gen.json'],
    ['/sys', '/sys/kernel/seccomp-gen.json'],
    ['/dev', '/dev/shm/seccomp-gen.json'],
    ['/dev', '/dev/seccomp-gen.json'],
  ])('refuses to write under %s (%s)', (root, path) => {
    expect(pathError(() => writeFileAtomic(path, 'x')).message).toBe(`${path}: refusing to write under ${root}`);
  });

  it('refuses /dev reached through a symlinked directory', () => {
    symlinkSync('/dev/shm', join(dir, 'shm'));
    const path = join(dir, 'shm', 'p.json');
    expect(pathError(() => writeFileAtomic(path, 'x')).message).toBe(`${path}: refusing to write under /dev`);
  });

  it('follows a symlinked directory that leads somewhere allowed', () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'alias'));
    writeFileAtomic(join(dir, 'alias', 'p.json'), 'x');
    expect(readFileSync(join(dir, 'real', 'p.json'), 'utf8')).toBe('x');
  });

  it('refuses a relative path', () => {
    expect(pathError(() => writeFileAtomic('out.json', 'x')).message).toBe('out.json: output path must be absolute');
    expect(pathError(() => writeFileAtomic('./out.json', 'x')).message).toMatch(/must be absolute/);
  });

  it('refuses a missing directory', () => {
    const path = join(dir, 'no', 'such', 'p.json');
    expect(pathError(() => writeFileAtomic(path, 'x')).message).toBe(`${path}: directory ${join(dir, 'no', 'such')} does not exist`);
  });

  it('refuses a directory, by trailing slash or because it exists', () => {
    expect(pathError(() => writeFileAtomic(`${dir}/x/`, 'x')).message).toMatch(/names a directory/);
    mkdirSync(join(dir, 'sub'));
    expect(pathError(() => writeFileAtomic(join(dir, 'sub'), 'x')).message).toMatch(/exists and is not a regular file/);
  });

  it('refuses a parent that is a file', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(pathError(() => writeFileAtomic(join(dir, 'file', 'p.json'), 'x')).message).toMatch(/does not exist|not a directory/);
  });

  it('leaves no temp file behind when the rename fails, and the old file intact', () => {
    const path = join(dir, 'p.json');
    writeFileSync(path, 'old');
    fsControl.failRename = true;
    expect(pathError(() => writeFileAtomic(path, 'new')).message).toBe(`${path}: cannot write (EIO)`);
    expect(readdirSync(dir)).toEqual(['p.json']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });

  it('leaves no temp file behind when setting the owner fails', () => {
    const path = join(dir, 'p.json');
    expect(pathError(() => writeFileAtomic(path, 'new', { uid: -2 })).message).toMatch(/^.*p\.json: cannot write \(/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('checkOutputPath', () => {
  it('returns the real directory', () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'alias'));
    expect(checkOutputPath(join(dir, 'alias', 'p.json'))).toBe(join(dir, 'real'));
  });

  it('accepts an existing regular file', () => {
    writeFileSync(join(dir, 'p.json'), '');
    expect(checkOutputPath(join(dir, 'p.json'))).toBe(dir);
    expect(lstatSync(join(dir, 'p.json')).isFile()).toBe(true);
  });
});

describe('formatJson', () => {
  it('writes 2-space JSON with a final newline', () => {
    expect(formatJson({ a: [1], b: 'c' })).toBe('{\n  "a": [\n    1\n  ],\n  "b": "c"\n}\n');
  });
});
