import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerAlive, gc, type GcRecorder } from '../../src/state/gc.js';
import { markDone, takeDone } from '../../src/state/done.js';
import { doneDir, targetsDir } from '../../src/state/paths.js';
import { listTargetIds, saveTarget, type TargetRecord } from '../../src/state/targets.js';
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

const RECORDED = { flags: 1n, syscalls: [[0, 1], [], []] } as unknown as RecordedTarget;

class FakeRecorder implements GcRecorder {
  detached = false;
  constructor(public entries: TargetKey[]) {}
  keys() {
    return [...this.entries];
  }
  read(key: TargetKey) {
    return this.entries.some((k) => k.inum === key.inum) ? RECORDED : null;
  }
  removeTarget(key: TargetKey) {
    const n = this.entries.length;
    this.entries = this.entries.filter((k) => k.inum !== key.inum);
    return this.entries.length < n;
  }
  detachIfIdle() {
    this.detached = this.entries.length === 0;
    return this.detached;
  }
}

const pidKey = (inum: number): TargetKey => ({ kind: 'pid', inum });

describe('gc', () => {
  it('keeps live containers, writes a gone one\'s profile, removes it everywhere and marks it done', () => {
    saveTarget(record('live', 1));
    saveTarget(record('gone', 2));
    const rec = new FakeRecorder([pidKey(1), pidKey(2)]);
    const written: string[] = [];
    const report = gc({ recorder: rec, alive: (r) => r.id === 'live', finish: (r) => (written.push(r.id), r.output) });
    expect(written).toEqual(['gone']);
    expect(listTargetIds()).toEqual(['live']);
    expect(rec.entries).toEqual([pidKey(1)]);
    expect(report).toEqual({ events: [{ id: 'gone', action: 'collected', detail: 'profile written to /tmp/gone.json' }], kept: 1, detached: false });
    expect(takeDone('gone')).toEqual({ reason: 'collected', detail: '/tmp/gone.json' });
    expect(takeDone('gone')).toBeNull(); // taken once
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
    expect(gc({ recorder: rec, alive: () => false, finish: (r) => r.output, detach: false }).detached).toBe(false);
    expect(rec.detached).toBe(false);
    saveTarget(record('gone2', 3));
    rec.entries.push(pidKey(3));
    expect(gc({ recorder: rec, alive: () => false, finish: (r) => r.output }).detached).toBe(true);
  });

  it('a gone container with no recording (reboot: bpffs emptied) loses only its stale record', () => {
    saveTarget(record('stale', 7));
    const report = gc({ recorder: null, alive: () => false, finish: () => 'x' });
    expect(report.events).toEqual([{ id: 'stale', action: 'lost', detail: expect.stringMatching(/reboot/) }]);
    expect(listTargetIds()).toEqual([]);
  });

  it('a corrupt record is removed, and the kernel entry no record claims with it', () => {
    saveTarget(record('live', 1));
    writeFileSync(join(targetsDir(), 'broken.json'), '{"version": 1, "id": ');
    const rec = new FakeRecorder([pidKey(1), pidKey(9)]);
    const report = gc({ recorder: rec, alive: () => true, finish: () => 'x' });
    expect(listTargetIds()).toEqual(['live']);
    expect(rec.entries).toEqual([pidKey(1)]);
    expect(report.events.map((e) => e.action).sort()).toEqual(['corrupt', 'orphan']);
  });

  it('without a profile writer, a gone container with a recording is left for a later gc', () => {
    saveTarget(record('gone', 2));
    const rec = new FakeRecorder([pidKey(2)]);
    const report = gc({ recorder: rec, alive: () => false });
    expect(report.events).toEqual([]);
    expect(listTargetIds()).toEqual(['gone']);
    expect(rec.entries).toEqual([pidKey(2)]);
  });

  it('a profile that cannot be written is reported; the target still goes (finish keeps the profile)', () => {
    saveTarget(record('gone', 2));
    const rec = new FakeRecorder([pidKey(2)]);
    const report = gc({ recorder: rec, alive: () => false, finish: () => { throw new Error('kept in /run/x'); } });
    expect(report.events).toEqual([{ id: 'gone', action: 'unwritten', detail: 'kept in /run/x' }]);
    expect(rec.entries).toEqual([]);
    expect(existsSync(join(doneDir(), 'gone.json'))).toBe(false);
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
