import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { poststop } from '../../src/hooks/poststop.js';
import { markDone, takeDone } from '../../src/state/done.js';
import { saveTarget, listTargetIds } from '../../src/state/targets.js';
import { unwrittenPath } from '../../src/state/unwritten.js';
import { usePrivateRunDir } from '../helpers.js';

usePrivateRunDir('sg-poststop-');
const savedPins = process.env.SECCOMP_GEN_PIN_DIR;
beforeEach(() => {
  process.env.SECCOMP_GEN_PIN_DIR = join(mkdtempSync(join(tmpdir(), 'sg-pins-')), 'none'); // no recorder attached
});
afterEach(() => {
  if (savedPins === undefined) delete process.env.SECCOMP_GEN_PIN_DIR;
  else process.env.SECCOMP_GEN_PIN_DIR = savedPins;
});

const state = (id: string) => ({ ociVersion: '1.0.2', id, status: 'stopped', bundle: '/b' });

describe('poststop', () => {
  it('takes the target out, marks it taken, and fails when the recorder was detached meanwhile; a second poststop says again', () => {
    saveTarget({ version: 1, id: 'c1', key: { kind: 'pid', inum: 5 }, mode: 'filtered', pid: 1, output: '/tmp/c1.json', replay: { filtered: true, defaultErrnoRet: 38, errnoRules: [] }, startedAt: new Date().toISOString() });
    expect(() => poststop(state('c1'), defaultConfig(), true)).toThrow(/no recording for container c1: the recorder was detached meanwhile/);
    expect(listTargetIds()).toEqual([]);
    const again = poststop(state('c1'), defaultConfig(), true);
    expect(again).toMatchObject({ output: '/tmp/c1.json', syscalls: 0, warnings: [], note: { event: 'again' } });
    expect(takeDone('c1')).toBeNull(); // the mark is used up
  });

  it('says what happened to a container gc collected, or one that ran untraced', () => {
    markDone('c2', { reason: 'collected', detail: '/tmp/c2.json' });
    expect(poststop(state('c2'), defaultConfig(), true)).toEqual({ output: '/tmp/c2.json', syscalls: 0, warnings: ['the profile was already written to /tmp/c2.json by seccomp-gen gc'] });
    markDone('c3', { reason: 'untraced', detail: 'no BPF' });
    expect(poststop(state('c3'), defaultConfig(), true).warnings).toEqual(['container c3 ran untraced (failOpen): no profile written']);
  });

  it('points at gc when the recording was set aside before its poststop', () => {
    const path = unwrittenPath('c4');
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '{}');
    expect(poststop(state('c4'), defaultConfig(), true).warnings[0]).toMatch(/was found gone before its poststop: its recording was set aside/);
  });

  it('fails only when the container asked to be traced and no prestart ran', () => {
    expect(poststop(state('c5'), defaultConfig(), false)).toEqual({ output: '', syscalls: 0, warnings: [] });
    expect(() => poststop(state('c5'), defaultConfig(), true)).toThrow(/container c5 was not traced: the prestart hook did not run/);
  });
});
