import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteTarget, listTargetIds, loadTarget, loadTargetHead, saveTarget, type TargetRecord } from '../../src/state/targets.js';
import { MAX_BASE_BYTES } from '../../src/state/limits.js';
import { targetsDir } from '../../src/state/paths.js';
import { seccompGenErrorOf, usePrivateRunDir } from '../helpers.js';

const scratch = usePrivateRunDir('sg-targets-');

function record(id: string, extra: Partial<TargetRecord> = {}): TargetRecord {
  return {
    version: 1,
    id,
    key: { kind: 'pid', inum: 4026532201 },
    mode: 'filtered',
    pid: 4242,
    output: '/tmp/out.json',
    replay: { filtered: true, defaultErrnoRet: 38, errnoRules: [{ names: ['vmsplice'], errnoRet: 1 }] },
    startedAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  };
}

describe('target records', () => {
  it('keep the command of a host command\'s record (seccomp-gen record), and refuse a bad one', () => {
    const r = record('record-1-abc', { key: { kind: 'mnt', inum: 9 }, mode: 'all', command: ['sh', '-c', 'true'] });
    saveTarget(r);
    expect(loadTarget('record-1-abc')).toEqual(r);
    writeFileSync(join(targetsDir(), 'bad.json'), JSON.stringify({ ...r, id: 'bad', command: 'sh' }));
    expect(seccompGenErrorOf(() => loadTarget('bad')).message).toMatch(/corrupt/);
  });

  it('save, load, list and delete round trip', () => {
    const a = record('aaa');
    const b = record('bbb', {
      key: { kind: 'mnt', inum: 7 },
      input: '/tmp/base.json',
      base: { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] },
    });
    saveTarget(a);
    saveTarget(b);
    expect(loadTarget('aaa')).toEqual(a);
    expect(loadTarget('bbb')).toEqual(b);
    expect(listTargetIds().sort()).toEqual(['aaa', 'bbb']);
    deleteTarget('aaa');
    expect(loadTarget('aaa')).toBeNull();
    expect(listTargetIds()).toEqual(['bbb']);
  });

  it('stores compact JSON, the base once beside the record; a base just within the limit is never taken for corrupt', () => {
    const rules = Array.from({ length: 16_400 }, (_, i) => ({ names: [`name_${i}`], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }));
    const base = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: rules } as unknown as TargetRecord['base'];
    const big = record('big', { input: '/tmp/base.json', base });
    const baseBytes = JSON.stringify(base).length;
    expect(baseBytes).toBeGreaterThan(MAX_BASE_BYTES * 0.9);
    expect(baseBytes).toBeLessThan(MAX_BASE_BYTES);
    const started = Date.now();
    saveTarget(big);
    expect(Date.now() - started).toBeLessThan(1000); // a 144 KB if: once took ~3 s (432 MB pretty-printed) under the lock
    const head = readFileSync(join(targetsDir(), 'big.json'), 'utf8');
    expect(head).not.toMatch(/\n|"base"/);
    expect(readFileSync(join(targetsDir(), 'big+base.json'), 'utf8')).toHaveLength(baseBytes);
    expect(listTargetIds()).toEqual(['big']);
    expect(loadTarget('big')).toEqual(big);
    expect(loadTargetHead('big')).toEqual(record('big', { input: '/tmp/base.json' }));
    deleteTarget('big');
    expect(readdirSync(targetsDir())).toEqual([]);
  });

  it('refuses a record that would be over the size its reader accepts', () => {
    const e = seccompGenErrorOf(() => saveTarget(record('huge', { command: Array.from({ length: 100_000 }, () => 'argument') })));
    expect(e.message).toMatch(/^the tracing state of container huge would take \d+ bytes, over the 524288-byte limit/);
    expect(listTargetIds()).toEqual([]);
  });

  it('keeps state private: directory 0700, file 0600', () => {
    saveTarget(record('aaa'));
    expect(statSync(targetsDir()).mode & 0o777).toBe(0o700);
    expect(statSync(join(targetsDir(), 'aaa.json')).mode & 0o777).toBe(0o600);
  });

  it('a save replaces the earlier record', () => {
    saveTarget(record('aaa', { pid: 1 }));
    saveTarget(record('aaa', { pid: 2 }));
    expect(loadTarget('aaa')?.pid).toBe(2);
    expect(listTargetIds()).toEqual(['aaa']);
  });

  it('a container never traced has no record; with no state directory, no ids', () => {
    expect(loadTarget('never')).toBeNull();
    expect(listTargetIds()).toEqual([]);
    expect(() => deleteTarget('never')).not.toThrow();
  });

  it('lists only .json records', () => {
    saveTarget(record('aaa'));
    writeFileSync(join(targetsDir(), 'notes.txt'), '');
    writeFileSync(join(targetsDir(), '.aaa.json.1.abcd.tmp'), '');
    expect(listTargetIds()).toEqual(['aaa']);
  });

  it('a record that does not fit the schema is a TARGET error that says to remove it', () => {
    mkdirSync(targetsDir(), { recursive: true });
    const path = join(targetsDir(), 'aaa.json');
    writeFileSync(path, JSON.stringify({ ...record('aaa'), version: 2 }));
    const e = seccompGenErrorOf(() => loadTarget('aaa'));
    expect(e.code).toBe('TARGET');
    expect(e.message).toBe(`${path}: corrupt tracing state; remove it`);
  });

  it('a record cut short (not JSON) is a TARGET error too', () => {
    mkdirSync(targetsDir(), { recursive: true });
    const path = join(targetsDir(), 'aaa.json');
    writeFileSync(path, JSON.stringify(record('aaa')).slice(0, 40));
    const e = seccompGenErrorOf(() => loadTarget('aaa'));
    expect(e.code).toBe('TARGET');
    expect(e.message).toMatch(new RegExp(`^${path}: corrupt tracing state`));
  });

  it('a record that is not a regular file is an error, not a hang', () => {
    mkdirSync(join(targetsDir(), 'aaa.json'), { recursive: true });
    expect(seccompGenErrorOf(() => loadTarget('aaa')).message).toMatch(/not a regular file/);
  });

  it.each(['../escape', 'a/b', '..', '', '.hidden'])('refuses the id %j', (id) => {
    expect(seccompGenErrorOf(() => loadTarget(id)).code).toBe('STATE');
    expect(seccompGenErrorOf(() => saveTarget(record(id))).message).toBe(`"${id}" is not a container id`);
  });

  it('delete with a bad id touches nothing outside the state directory', () => {
    mkdirSync(targetsDir(), { recursive: true });
    const victim = join(scratch.dir, 'run', 'victim.json');
    writeFileSync(victim, 'keep');
    deleteTarget('../victim');
    expect(readFileSync(victim, 'utf8')).toBe('keep');
  });
});
