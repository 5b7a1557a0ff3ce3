import { describe, expect, it } from 'vitest';
import { SeccompGenError } from '../../src/errors.js';
import { FLAG_FILTERED_ONLY } from '../../src/kernel/abi.js';
import { RecorderUnavailable } from '../../src/kernel/diagnose.js';
import { listTargetIds, loadTarget, saveTarget, type TargetRecord } from '../../src/state/targets.js';
import { listUnwritten } from '../../src/state/unwritten.js';
import { register, registerTarget, takeOut, takeRecording } from '../../src/tracing/register.js';
import { usePrivateRunDir } from '../helpers.js';
import { FakeRecorder, fakeRecorders } from './fake-recorder.js';

usePrivateRunDir('sg-register-');

function record(id: string, inum: number, more: Partial<TargetRecord> = {}): TargetRecord {
  return {
    version: 1,
    id,
    key: { kind: 'pid', inum },
    mode: 'filtered',
    pid: process.pid,
    output: `/tmp/${id}.json`,
    replay: { filtered: true, defaultErrnoRet: 38, errnoRules: [] },
    startedAt: new Date().toISOString(),
    ...more,
  };
}

describe('registerTarget', () => {
  it('stores the record, then holds and adds its namespace with the mode\'s flags, and closes the recorder', () => {
    const rec = new FakeRecorder();
    const recorders = fakeRecorders(rec);
    registerTarget(record('a', 10), { recorders, bpfObject: '/x.bpf.o' });
    expect(listTargetIds()).toEqual(['a']);
    expect(rec.entries).toEqual([{ kind: 'pid', inum: 10 }]);
    expect(rec.held).toEqual([{ kind: 'pid', inum: 10 }]);
    expect(rec.flags.get('pid:10')).toBe(FLAG_FILTERED_ONLY);
    expect(recorders.attachedWith).toEqual(['/x.bpf.o']);
    expect(rec.closed).toBe(1);
  });

  it('records all of a namespace with no flag in mode all', () => {
    const rec = new FakeRecorder();
    registerTarget(record('a', 10, { mode: 'all' }), { recorders: fakeRecorders(rec) });
    expect(rec.flags.get('pid:10')).toBe(0n);
  });

  it('passes the kernel\'s refusal of the program on as RecorderUnavailable, storing nothing', () => {
    const rec = new FakeRecorder();
    expect(() => registerTarget(record('a', 10), { recorders: fakeRecorders(rec, { refuse: true }) })).toThrow(RecorderUnavailable);
    expect(listTargetIds()).toEqual([]);
  });

  it('undoes the record and detaches an idle program when the namespace cannot be held or added', () => {
    const rec = new FakeRecorder();
    rec.refuseRegister = new SeccompGenError('TARGET', 'cannot hold namespace pid:10');
    expect(() => registerTarget(record('a', 10), { recorders: fakeRecorders(rec) })).toThrow(/cannot hold namespace/);
    expect(listTargetIds()).toEqual([]);
    expect(rec.detached).toBe(true);
    expect(rec.closed).toBe(1);
  });

  it('drops the stale record of the same container (a lost poststop) and releases its old key', () => {
    const rec = new FakeRecorder([{ kind: 'pid', inum: 9 }]);
    rec.held.push({ kind: 'pid', inum: 9 });
    saveTarget(record('a', 9));
    registerTarget(record('a', 10), { recorders: fakeRecorders(rec) });
    expect(rec.entries).toEqual([{ kind: 'pid', inum: 10 }]);
    expect(rec.held).toEqual([{ kind: 'pid', inum: 10 }]);
    expect(loadTarget('a')?.key).toEqual({ kind: 'pid', inum: 10 });
  });

  it('refuses an owner over maxTracedPerUid, counting only their other records', () => {
    const rec = new FakeRecorder();
    const recorders = fakeRecorders(rec);
    registerTarget(record('a', 1, { owner: { uid: 1000 } }), { recorders, maxTracedPerUid: 2 });
    registerTarget(record('b', 2, { owner: { uid: 1000 } }), { recorders, maxTracedPerUid: 2 });
    registerTarget(record('c', 3, { owner: { uid: 1001 } }), { recorders, maxTracedPerUid: 2 });
    expect(() => registerTarget(record('d', 4, { owner: { uid: 1000 } }), { recorders, maxTracedPerUid: 2 })).toThrow(/uid 1000 already has 2 containers traced/);
    expect(listTargetIds().sort()).toEqual(['a', 'b', 'c']);
    expect(rec.entries.map((k) => k.inum)).toEqual([1, 2, 3]);
  });

  it('collects dead containers first when asked (gc), setting their recordings aside and reporting them', () => {
    const rec = new FakeRecorder([{ kind: 'pid', inum: 5 }]);
    saveTarget(record('dead', 5, { pid: 0x3fffffff })); // no such process: gone
    const { gc } = registerTarget(record('a', 10), { recorders: fakeRecorders(rec), gc: {} });
    expect(gc?.setAside).toEqual(['dead']);
    expect(listUnwritten().map((u) => u.id)).toEqual(['dead']);
    expect(listTargetIds()).toEqual(['a']);
    expect(rec.entries).toEqual([{ kind: 'pid', inum: 10 }]);
  });
});

describe('register (the broker\'s way)', () => {
  it('takes the entry out again when the confirmation fails, and unsaves', () => {
    const rec = new FakeRecorder();
    let saved = false;
    const reg = {
      key: { kind: 'mnt' as const, inum: 7 },
      pid: 1,
      flags: 0n,
      dropStale: () => null,
      save: () => void (saved = true),
      unsave: () => void (saved = false),
      confirm: () => {
        throw new SeccompGenError('TARGET', 'process 1 exited while it was being registered');
      },
    };
    expect(() => register(reg, { recorders: fakeRecorders(rec) })).toThrow(/exited while/);
    expect(saved).toBe(false);
    expect(rec.entries).toEqual([]);
    expect(rec.held).toEqual([]);
  });
});

describe('takeOut', () => {
  it('hands the record and its recording back, removes both, and detaches when it was the last', () => {
    const rec = new FakeRecorder();
    const recorders = fakeRecorders(rec);
    registerTarget(record('a', 10), { recorders });
    const released: string[] = [];
    const taken = takeOut('a', (r) => released.push(r.id), recorders);
    expect(taken?.record.id).toBe('a');
    expect(taken?.recorded).toEqual(rec.recorded);
    expect(released).toEqual(['a']);
    expect(listTargetIds()).toEqual([]);
    expect(rec.entries).toEqual([]);
    expect(rec.detached).toBe(true);
  });

  it('keeps the program attached while other records remain', () => {
    const rec = new FakeRecorder();
    const recorders = fakeRecorders(rec);
    registerTarget(record('a', 10), { recorders });
    registerTarget(record('b', 11), { recorders });
    takeOut('a', undefined, recorders);
    expect(rec.detached).toBe(false);
    expect(rec.entries).toEqual([{ kind: 'pid', inum: 11 }]);
  });

  it('removes the orphans of the table when the last record goes', () => {
    const rec = new FakeRecorder();
    const recorders = fakeRecorders(rec);
    registerTarget(record('a', 10), { recorders });
    rec.entries.push({ kind: 'pid', inum: 99 }); // no record claims it
    takeOut('a', undefined, recorders);
    expect(rec.entries).toEqual([]);
    expect(rec.detached).toBe(true);
  });

  it('is null for a container with no record, and says "no recording" when nothing is attached', () => {
    const rec = new FakeRecorder();
    expect(takeOut('nope', undefined, fakeRecorders(rec))).toBeNull();
    saveTarget(record('a', 10));
    const taken = takeOut('a', undefined, fakeRecorders(rec, { attached: false }));
    expect(taken).toEqual({ record: expect.objectContaining({ id: 'a' }), recorded: null });
    expect(listTargetIds()).toEqual([]);
  });
});

describe('takeRecording', () => {
  it('shows the recording to keep before it leaves, and without lastOut detaches when the table is empty', () => {
    const rec = new FakeRecorder([{ kind: 'pid', inum: 3 }]);
    const kept: unknown[] = [];
    const got = takeRecording({ claim: () => ({ kind: 'pid', inum: 3 }), keep: (r) => kept.push(r), recorders: fakeRecorders(rec) });
    expect(got).toEqual(rec.recorded);
    expect(kept).toEqual([rec.recorded]);
    expect(rec.detached).toBe(true);
  });

  it('does nothing when nothing is claimed', () => {
    const rec = new FakeRecorder([{ kind: 'pid', inum: 3 }]);
    expect(takeRecording({ claim: () => null, recorders: fakeRecorders(rec) })).toBeNull();
    expect(rec.entries).toHaveLength(1);
  });
});
