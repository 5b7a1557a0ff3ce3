import { readFileSync, utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RecordedTarget } from '../../src/kernel/target-codec.js';
import type { Profile } from '../../src/profile/schema.js';
import { MAX_BASE_BYTES } from '../../src/state/limits.js';
import type { TargetRecord } from '../../src/state/targets.js';
import { listUnwritten, pruneUnwritten, readUnwritten, setAside, tellStarter, unwrittenPath, noteUnwritten } from '../../src/state/unwritten.js';
import { usePrivateRunDir } from '../helpers.js';

usePrivateRunDir('sg-unwritten-');

function record(id: string, uid?: number, base?: Profile): TargetRecord {
  return {
    version: 1,
    id,
    key: { kind: 'pid', inum: 7 },
    mode: 'filtered',
    pid: 42,
    output: `/out/${id}.json`,
    ...(base ? { input: '/in/base.json', base } : {}),
    replay: { filtered: true, defaultErrnoRet: 38, errnoRules: [] },
    startedAt: '2026-01-01T00:00:00.000Z',
    ...(uid !== undefined ? { owner: { uid } } : {}),
  };
}
const RECORDED: RecordedTarget = { flags: 1n, syscalls: { native: [0, 1, 59], compat: [3], x32: [] } };

/** A base profile of about `bytes` bytes as compact JSON, legitimately large: many named rules. */
function bigBase(bytes: number): Profile {
  const syscalls = [];
  for (let i = 0, size = 0; size < bytes - 200; i++) {
    const rule = { names: [`name_${i}`], action: 'SCMP_ACT_ERRNO', errnoRet: 1 };
    size += JSON.stringify(rule).length + 1;
    syscalls.push(rule);
  }
  return { defaultAction: 'SCMP_ACT_ERRNO', syscalls } as unknown as Profile;
}

describe('the unwritten store', () => {
  it('keeps a recording compact, its base once, and reads it back whole', () => {
    const base = bigBase(MAX_BASE_BYTES - 1000); // within the limit: never taken for corrupt
    setAside(record('c1', 1000, base), RECORDED);
    const text = readFileSync(unwrittenPath('c1'), 'utf8');
    expect(text).not.toMatch(/\n/); // compact
    expect(text.length).toBeLessThan(MAX_BASE_BYTES + 2000); // the base once, not pretty-printed
    expect(readUnwritten('c1')).toEqual({ record: record('c1', 1000, base), recorded: RECORDED });
    expect(listUnwritten().map((i) => [i.id, i.note])).toEqual([['c1', null]]);
  });

  it('a nested base within the depth limit stays small (pretty-printing 1,400 levels made ~3.9 MB)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 30; i++) deep = [deep];
    setAside(record('deep', undefined, { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [], x: deep } as unknown as Profile), RECORDED);
    expect(readFileSync(unwrittenPath('deep'), 'utf8').length).toBeLessThan(1000);
  });

  it('keeps the reason with a failed one, and tells its starter once (others, unless the owner is unknown, not at all)', () => {
    setAside(record('mine', 1000), RECORDED, 'EACCES: /out is read-only');
    setAside(record('theirs', 2000), RECORDED, 'ENOSPC');
    setAside(record('nobody'), RECORDED, 'EIO');
    expect(tellStarter(1000).map((i) => [i.id, i.note?.reason]).sort()).toEqual([['mine', 'EACCES: /out is read-only'], ['nobody', 'EIO']]);
    expect(tellStarter(1000)).toEqual([]); // told once
    expect(tellStarter(undefined).map((i) => i.id)).toEqual(['theirs']); // an unknown starter hears of all
  });

  it('does not tell of a recording whose writer is still within its time limit', () => {
    noteUnwritten(record('busy', 1000), 'timed out', new Date(Date.now() + 60_000));
    setAside(record('busy', 1000), RECORDED);
    noteUnwritten(record('busy', 1000), 'timed out', new Date(Date.now() + 60_000));
    expect(tellStarter(1000)).toEqual([]);
    expect(tellStarter(1000, Date.now() + 120_000).map((i) => i.id)).toEqual(['busy']);
  });

  it('is capped: the oldest recordings go first', () => {
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) {
      setAside(record(id, 1000), RECORDED, 'x');
      const t = 1_700_000_000 + i;
      utimesSync(unwrittenPath(id), t, t);
    }
    const size = listUnwritten()[0]!.bytes;
    expect(pruneUnwritten(size * 2 + 1, 100)).toEqual(['a', 'b']);
    expect(listUnwritten().map((i) => i.id)).toEqual(['c', 'd']);
    expect(pruneUnwritten(1e9, 1)).toEqual(['c']);
  });

  it("is capped per starter: one starter's failing writes push out their own oldest, not another's kept profile", () => {
    let t = 1_700_000_000;
    const add = (id: string, uid: number) => {
      setAside(record(id, uid), RECORDED, 'EACCES');
      utimesSync(unwrittenPath(id), t, t);
      t++;
    };
    add('theirs', 2000); // the oldest of all
    for (let i = 0; i < 6; i++) add(`flood${i}`, 1000);
    expect(pruneUnwritten(1e9, 4)).toEqual(['flood0', 'flood1', 'flood2']);
    expect(listUnwritten().map((i) => i.id)).toEqual(['theirs', 'flood3', 'flood4', 'flood5']);
    // once they keep no more than the other, the oldest of all goes
    expect(pruneUnwritten(1e9, 1)).toEqual(['flood3', 'flood4', 'theirs']);
  });
});
