import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputPolicy } from '../../src/policy/output-policy.js';
import { checkTargetRecord } from '../../src/state/targets.js';
import { prepareTarget, targetRecord, traceRequestOf } from '../../src/tracing/target.js';

const REPLAY = { filtered: false, defaultErrnoRet: 38, errnoRules: [] };

describe('traceRequestOf', () => {
  it('reads of: and if:, and the process', () => {
    expect(traceRequestOf({ ociVersion: '1.0.2', id: 'c1', status: 'created', pid: 42, bundle: '/b' }, 'if:/in.json;of:/out.json')).toEqual({ request: { output: '/out.json', input: '/in.json' }, pid: 42 });
  });

  it('refuses a state with no pid (not installed as a prestart hook) and an over-long path', () => {
    expect(() => traceRequestOf({ ociVersion: '1.0.2', id: 'c1', status: 'created', bundle: '/b' }, 'of:/out.json')).toThrow(/no pid: install seccomp-gen as a prestart hook/);
    expect(() => traceRequestOf({ ociVersion: '1.0.2', id: 'c1', status: 'created', pid: 1, bundle: '/b' }, `of:/${'a'.repeat(5000)}`)).toThrow(/of: is \d+ bytes long, over PATH_MAX/);
  });
});

describe('prepareTarget', () => {
  it('checks of:, reads the bundle\'s filter and chooses the mode from it', async () => {
    const bundle = mkdtempSync(join(tmpdir(), 'sg-target-'));
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', linux: {} }));
    const out = join(bundle, 'out.json');
    const p = await prepareTarget({ ociVersion: '1.0.2', id: 'c1', status: 'created', pid: 42, bundle }, { output: out }, 42, outputPolicy({ self: true }));
    expect(p).toMatchObject({ id: 'c1', pid: 42, mode: 'all', output: out, input: undefined, base: undefined, replay: { filtered: false } });
  });

  it('reads the if: base as a profile, and says if: when it is not one', async () => {
    const bundle = mkdtempSync(join(tmpdir(), 'sg-target-'));
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', linux: {} }));
    const input = join(bundle, 'base.json');
    writeFileSync(input, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }));
    const state = { ociVersion: '1.0.2', id: 'c1', status: 'created', pid: 42, bundle };
    const p = await prepareTarget(state, { output: join(bundle, 'o.json'), input }, 42, outputPolicy({ self: true }));
    expect(p.base?.defaultAction).toBe('SCMP_ACT_ERRNO');
    writeFileSync(input, '{"defaultAction": 3}');
    await expect(prepareTarget(state, { output: join(bundle, 'o.json'), input }, 42, outputPolicy({ self: true }))).rejects.toThrow(/^if: /);
  });
});

describe('targetRecord', () => {
  it('leaves absent fields out, stamps version and start, and makes a record the state check accepts', () => {
    const r = targetRecord({ id: 'c1', key: { kind: 'pid', inum: 7 }, mode: 'all', pid: 3, runtime: undefined, runtimes: undefined, output: '/o.json', input: undefined, base: undefined, replay: REPLAY, owner: undefined });
    expect(Object.keys(r)).toEqual(['version', 'id', 'key', 'mode', 'pid', 'output', 'replay', 'startedAt']);
    expect(r.version).toBe(1);
    expect(Number.isNaN(Date.parse(r.startedAt))).toBe(false);
    expect(checkTargetRecord(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('keeps every field given, the base only with its if:', () => {
    const base = { defaultAction: 'SCMP_ACT_ERRNO' as const, syscalls: [] };
    const r = targetRecord({ id: 'c1', key: { kind: 'mnt', inum: 7 }, mode: 'filtered', pid: 3, runtime: 'crun', runtimes: ['crun'], output: '/o.json', input: '/i.json', base, replay: REPLAY, command: ['true'], owner: { uid: 1000, gid: 100 }, kubernetesNamespace: 'ns' });
    expect(r).toMatchObject({ runtime: 'crun', runtimes: ['crun'], input: '/i.json', base, command: ['true'], owner: { uid: 1000, gid: 100 }, kubernetesNamespace: 'ns' });
    expect(targetRecord({ id: 'c1', key: { kind: 'pid', inum: 1 }, mode: 'all', pid: 3, output: '/o', base, replay: REPLAY })).not.toHaveProperty('base');
  });
});
