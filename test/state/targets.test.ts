import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deleteTarget, listTargetIds, loadTarget, saveTarget, type TargetRecord } from '../../src/state/targets.js';
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
