import { describe, expect, it } from 'vitest';
import { waitForProfiles, type Outcome, type WaitDeps } from '../../src/cli/commands/wait.js';
import type { TargetRecord } from '../../src/state/targets.js';

const record = (id: string): TargetRecord => ({
  version: 1, id, key: { kind: 'pid', inum: 4026532000 }, mode: 'filtered', pid: 100, output: `/tmp/${id}.json`,
  replay: { filtered: true, errnoRules: [] }, startedAt: '2026-12-02T00:00:00.000Z',
});

/** A fake world on a fake clock: each record goes at `goneAt` ms, the writer runs until `writingUntil`. */
function world(plan: Record<string, { aliveUntil: number; recordUntil: number; outcome: Outcome }>, writingUntil = 0) {
  let t = 0;
  const hints: string[] = [];
  const deps: WaitDeps = {
    record: (id) => (t < plan[id]!.recordUntil ? record(id) : null),
    alive: (r) => t < plan[r.id]!.aliveUntil,
    writing: () => t < writingUntil,
    outcome: (r) => plan[r.id]!.outcome,
    now: () => t,
    sleep: (ms) => void (t += ms),
    hint: (m) => void hints.push(m),
  };
  return { deps, hints, time: () => t };
}

describe('waitForProfiles', () => {
  it('waits for the record to go, then for the writer, then reports', () => {
    const w = world({ a: { aliveUntil: 500, recordUntil: 700, outcome: { kind: 'written' } } }, 1000);
    expect(waitForProfiles([record('a')], w.deps)).toEqual([{ record: record('a'), outcome: { kind: 'written' } }]);
    expect(w.time()).toBeGreaterThanOrEqual(1000);
    expect(w.hints).toEqual([]);
  });

  it('reports each container, a profile not written with its reason', () => {
    const w = world({
      a: { aliveUntil: 0, recordUntil: 100, outcome: { kind: 'written' } },
      b: { aliveUntil: 0, recordUntil: 300, outcome: { kind: 'unwritten', reason: 'directory gone' } },
    });
    expect(waitForProfiles([record('a'), record('b')], w.deps).map((x) => x.outcome)).toEqual([{ kind: 'written' }, { kind: 'unwritten', reason: 'directory gone' }]);
  });

  it('gives up at the timeout, saying which are still traced', () => {
    const w = world({ a: { aliveUntil: Infinity, recordUntil: Infinity, outcome: { kind: 'missing' } }, b: { aliveUntil: 0, recordUntil: 0, outcome: { kind: 'written' } } });
    expect(waitForProfiles([record('a'), record('b')], w.deps, 2000)).toEqual([{ record: record('a') }, { record: record('b'), outcome: { kind: 'written' } }]);
    expect(w.time()).toBe(2000);
  });

  it('says once when a container is gone and its poststop never comes', () => {
    const w = world({ a: { aliveUntil: 0, recordUntil: Infinity, outcome: { kind: 'missing' } } });
    waitForProfiles([record('a')], w.deps, 30_000);
    expect(w.hints).toHaveLength(1);
    expect(w.hints[0]).toMatch(/container a ended over 10 s ago and its poststop has not run .* seccomp-gen gc writes its profile/);
  });
});
