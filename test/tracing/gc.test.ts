import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerAlive, gc } from '../../src/tracing/gc.js';
import { FakeRecorder } from './fake-recorder.js';
import { markDone, takeDone } from '../../src/state/done.js';
import { doneDir, targetsDir } from '../../src/state/paths.js';
import { listTargetIds, saveTarget, type TargetRecord } from '../../src/state/targets.js';
import { listUnwritten, readUnwritten } from '../../src/state/unwritten.js';
import { SeccompGenError } from '../../src/errors.js';
import { usePrivateRunDir } from '../helpers.js';
import type { RecordedTarget, TargetKey } from '../../src/kernel/target-codec.js';
import { statSync } from 'node:fs';

usePrivateRunDir('sg-gc-');

function record(id: string, inum: number, pid = 4242): TargetRecord {
  return {
    version: 1,
    id,
    key: { kind: 'pid', inum },
    mode: 'filtered',
    pid,
    output: `/tmp/${id}.json`,
    replay: { filtered: true, defaultErrnoRet: 38, errnoRules: [] },
    startedAt: '2025-01-01T00:00:00.000Z',
  };
}

const RECORDED: RecordedTarget = { flags: 1n, syscalls: { native: [0, 1], compat: [], x32: [] } };

const pidKey = (inum: number): TargetKey => ({ kind: 'pid', inum });

describe('gc', () => {
  it('keeps live containers, sets a gone one\'s recording aside (not written under the lock), removes it everywhere', () => {
    saveTarget(record('live', 1));
    saveTarget(record('gone', 2));
    const rec = new FakeRecorder([pidKey(1), pidKey(2)]);
    const report = gc({ recorder: rec, alive: (r) => r.id === 'live' });
    expect(listTargetIds()).toEqual(['live']);
    expect(rec.entries).toEqual([pidKey(1)]);
    expect(report).toEqual({ events: [{ id: 'gone', action: 'set-aside', detail: expect.stringMatching(/^container gone: recording set aside/) }], kept: 1, detached: false, setAside: ['gone'] });
    const aside = readUnwritten('gone');
    expect(aside.record).toEqual(record('gone', 2));
    expect(aside.recorded).toEqual({ flags: 1n, syscalls: RECORDED.syscalls });
    expect(listUnwritten().map((i) => [i.id, i.note])).toEqual([['gone', null]]); // no note: not tried yet
    expect(existsSync(join(doneDir(), 'gone.json'))).toBe(false); // the writer marks it done once written
  });

  it('finishes a target traced longer than maxTraceMs though its container runs', () => {
    saveTarget({ ...record('forever', 1), startedAt: new Date(Date.now() - 7200_000).toISOString() });
    saveTarget({ ...record('recent', 2), startedAt: new Date().toISOString() });
    const rec = new FakeRecorder([pidKey(1), pidKey(2)]);
    const report = gc({ recorder: rec, alive: () => true, maxTraceMs: 3600_000 });
    expect(report.setAside).toEqual(['forever']);
    expect(report.events[0]!.detail).toMatch(/traced for longer than 3600 s \(maxTraceSeconds\), finished/);
    expect(rec.entries).toEqual([pidKey(2)]);
  });

  it('tells its progress before each container, out of all of them', () => {
    for (const [i, id] of ['a', 'b', 'c'].entries()) saveTarget(record(id, i + 1));
    const told: [number, number][] = [];
    gc({ recorder: new FakeRecorder([pidKey(1), pidKey(2), pidKey(3)]), alive: () => true, onProgress: (n, total) => told.push([n, total]) });
    expect(told).toEqual([[0, 3], [1, 3], [2, 3]]);
  });

  it('detaches when the last target is gone, unless told not to (prestart is about to add one)', () => {
    saveTarget(record('gone', 2));
    const rec = new FakeRecorder([pidKey(2)]);
    expect(gc({ recorder: rec, alive: () => false, detach: false }).detached).toBe(false);
    expect(rec.detached).toBe(false);
    saveTarget(record('gone2', 3));
    rec.entries.push(pidKey(3));
    expect(gc({ recorder: rec, alive: () => false }).detached).toBe(true);
  });

  it('a gone container with no recording (reboot: bpffs emptied) loses only its stale record', () => {
    saveTarget(record('stale', 7));
    const report = gc({ recorder: null, alive: () => false });
    expect(report.events).toEqual([{ id: 'stale', action: 'lost', detail: expect.stringMatching(/reboot/) }]);
    expect(listTargetIds()).toEqual([]);
  });

  it('a corrupt record is removed, and the kernel entry no record claims with it', () => {
    saveTarget(record('live', 1));
    writeFileSync(join(targetsDir(), 'broken.json'), '{"version": 1, "id": ');
    const rec = new FakeRecorder([pidKey(1), pidKey(9)]);
    const report = gc({ recorder: rec, alive: () => true });
    expect(listTargetIds()).toEqual(['live']);
    expect(rec.entries).toEqual([pidKey(1)]);
    expect(report.events.map((e) => e.action).sort()).toEqual(['corrupt', 'orphan']);
  });

  it('a prestart (orphans when-needed) scans the table for orphans only when one can have arisen', () => {
    saveTarget(record('live', 1));
    const rec = new FakeRecorder([pidKey(1), pidKey(9)]);
    let scans = 0;
    const keys = rec.keys.bind(rec);
    rec.keys = () => (scans++, keys());
    expect(gc({ recorder: rec, alive: () => true, orphans: 'when-needed', detach: false }).events).toEqual([]);
    expect(scans).toBe(0);
    writeFileSync(join(targetsDir(), 'broken.json'), '{');
    const report = gc({ recorder: rec, alive: () => true, orphans: 'when-needed', detach: false });
    expect(scans).toBe(1);
    expect(report.events.map((e) => e.action).sort()).toEqual(['corrupt', 'orphan']);
    expect(rec.entries).toEqual([pidKey(1)]);
  });

  it('a recording that cannot be set aside (/run full) stays in the kernel for a later gc', () => {
    saveTarget(record('gone', 2));
    const rec = new FakeRecorder([pidKey(2)]);
    const report = gc({ recorder: rec, alive: () => false, setAside: () => { throw new SeccompGenError('STATE', 'ENOSPC'); } });
    expect(report.events).toEqual([{ id: 'gone', action: 'unwritten', detail: 'cannot set the recording aside, left for a later gc: ENOSPC' }]);
    expect(rec.entries).toEqual([pidKey(2)]);
    expect(listTargetIds()).toEqual(['gone']);
  });

  it('prunes done markers older than a day', () => {
    markDone('old', { reason: 'collected', detail: '/tmp/o.json' });
    markDone('new', { reason: 'untraced', detail: 'no bpf' });
    const old = join(doneDir(), 'old.json');
    const t = (Date.now() - 2 * 24 * 3600_000) / 1000;
    utimesSync(old, t, t);
    gc({ recorder: null });
    expect(existsSync(old)).toBe(false);
    expect(JSON.parse(readFileSync(join(doneDir(), 'new.json'), 'utf8'))).toEqual({ reason: 'untraced', detail: 'no bpf' });
  });
});

describe('containerAlive', () => {
  it('is true for a process with the recorded namespace, false for another namespace or no process', () => {
    const inum = statSync('/proc/self/ns/pid').ino;
    expect(containerAlive(record('me', inum, process.pid))).toBe(true);
    expect(containerAlive(record('me', inum + 1, process.pid))).toBe(false); // pid reused by someone else
    expect(containerAlive(record('none', inum, 2 ** 22 + 1))).toBe(false);
  });
});
