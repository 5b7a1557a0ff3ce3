import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOG_FILE, configPath, defaultConfig, loadConfig } from '../../src/config/config.js';
import { SeccompGenError } from '../../src/errors.js';

let dir: string;
const saved = process.env.SECCOMP_GEN_CONFIG;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-config-'));
});
afterEach(() => {
  if (saved === undefined) delete process.env.SECCOMP_GEN_CONFIG;
  else process.env.SECCOMP_GEN_CONFIG = saved;
  rmSync(dir, { recursive: true, force: true });
});

function write(data: unknown, mode = 0o644): string {
  const p = join(dir, 'config.json');
  writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data));
  chmodSync(p, mode);
  return p;
}

function configError(path: string): string {
  try {
    loadConfig(path);
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    expect((e as SeccompGenError).code).toBe('CONFIG');
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('loadConfig', () => {
  it('gives the defaults when there is no file: no allow-list, 5 s, fail closed, /var/log/seccomp-gen.log', () => {
    expect(loadConfig(join(dir, 'none.json'))).toEqual({ prestartTimeoutSeconds: 5, failOpen: false, logFile: DEFAULT_LOG_FILE, argumentFilters: true });
    expect(defaultConfig().outputDirs).toBeUndefined();
  });

  it('SECCOMP_GEN_CONFIG moves the file', () => {
    process.env.SECCOMP_GEN_CONFIG = '/x/y.json';
    expect(configPath()).toBe('/x/y.json');
    delete process.env.SECCOMP_GEN_CONFIG;
    expect(configPath()).toBe('/etc/seccomp-gen/config.json');
  });

  it('reads every setting', () => {
    const p = write({ outputDirs: ['/home', '/srv/p'], prestartTimeoutSeconds: 2.5, failOpen: true, logFile: '/tmp/sg.log', runtimes: ['crun'], maxTracedPerUid: 2, argumentFilters: false });
    expect(loadConfig(p)).toEqual({ outputDirs: ['/home', '/srv/p'], prestartTimeoutSeconds: 2.5, failOpen: true, logFile: '/tmp/sg.log', runtimes: ['crun'], maxTracedPerUid: 2, argumentFilters: false });
  });

  it('reads the limits a busy node sets (per-uid containers, longest trace, write time limit) and refuses nonsense', () => {
    expect(loadConfig(write({ maxTracedPerUid: 3, brokerMaxTraced: 100, maxTraceSeconds: 3600, writeTimeoutSeconds: 5 }))).toMatchObject({ maxTracedPerUid: 3, brokerMaxTraced: 100, maxTraceSeconds: 3600, writeTimeoutSeconds: 5 });
    // the broker's share: at most half the recorder's 4096 slots, the other half is root's
    for (const bad of [{ maxTracedPerUid: 0 }, { maxTracedPerUid: 1.5 }, { brokerMaxTraced: 2049 }, { brokerMaxTraced: 0.5 }, { maxTraceSeconds: -1 }, { writeTimeoutSeconds: '5' }]) {
      expect(() => loadConfig(write(bad))).toThrow(new RegExp(Object.keys(bad)[0]!));
    }
  });

  it('refuses an unknown (e.g. misspelt) key rather than ignoring an allow-list', () => {
    expect(configError(write({ outputDir: ['/home'] }))).toMatch(/outputDir: unknown setting/);
  });

  it.each([
    [{ outputDirs: 'relative' }, /outputDirs: expected an array/],
    [{ outputDirs: ['rel/dir'] }, /outputDirs\[0\]: expected an absolute path/],
    [{ prestartTimeoutSeconds: 0 }, /prestartTimeoutSeconds/],
    [{ prestartTimeoutSeconds: '5' }, /prestartTimeoutSeconds/],
    [{ failOpen: 'yes' }, /failOpen: expected true or false/],
    [{ argumentFilters: 'no' }, /argumentFilters: expected true or false/],
    [{ logFile: 'x.log' }, /logFile: expected an absolute path/],
    [{ runtimes: 'crun' }, /runtimes: expected an array/],
    [{ runtimes: ['crun', 'youki'] }, /runtimes\[1\]: unknown runtime "youki" \(known: crun, runc\)/],
    [[], /config: expected an object/],
  ])('refuses %j', (data, message) => {
    expect(configError(write(data))).toMatch(message);
  });

  it('refuses a file that is not JSON, naming where but not echoing it', () => {
    const m = configError(write('{"failOpen": SECRET'));
    expect(m).toMatch(/not valid JSON \(line 1/);
    expect(m).not.toContain('SECRET');
  });

  it('refuses a config others may write: it decides where root writes', () => {
    expect(configError(write({ failOpen: true }, 0o666))).toMatch(/writable by no one else/);
    expect(configError(write({ failOpen: true }, 0o664))).toMatch(/writable by no one else/);
  });

  it.skipIf(process.getuid?.() !== 0)('refuses an outputDirs entry that is a symlink or sits under a user-writable directory', () => {
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'alias'));
    expect(configError(write({ outputDirs: [join(dir, 'alias')] }))).toMatch(/outputDirs\[0\] .*alias cannot be trusted: .*alias is a symlink: list the real directory/);
    // a CI workspace whose parent its owner controls: `rm -r ws; ln -s / ws` would let them write anywhere
    mkdirSync(join(dir, 'ci', 'ws'), { recursive: true });
    chownSync(join(dir, 'ci'), 4242, 4242);
    expect(configError(write({ outputDirs: ['/home', join(dir, 'ci', 'ws')] }))).toMatch(/outputDirs\[1\] .*cannot be trusted: .*ci belongs to uid 4242/);
    expect(loadConfig(write({ outputDirs: [join(dir, 'real')] })).outputDirs).toEqual([join(dir, 'real')]);
  });
});
