import { describe, expect, it } from 'vitest';
import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { allRecords, allKept, deleteRecord, deleteKept, listRecords, listKept, loadRecord, pruneKept, readKept, rootlessClaimedKeys, saveRecord, saveKept, type BrokerRecord } from '../../src/state/broker-records.js';
import { brokerDir } from '../../src/state/paths.js';
import { gc, type GcRecorder } from '../../src/tracing/gc.js';
import type { TargetKey } from '../../src/kernel/target-codec.js';
import { usePrivateRunDir } from '../helpers.js';

usePrivateRunDir('sg-broker-records-');

const rec = (uid: number, id: string, inum: number): BrokerRecord => ({ version: 1, uid, id, key: { kind: 'pid', inum }, pid: 42, start: '777', mode: 'all', startedAt: '2026-01-01T00:00:00.000Z' });

describe("the broker's records", () => {
  it('are keyed by (uid, id): the same id of two users are two records, neither reachable as the other', () => {
    saveRecord(rec(1001, 'web', 10));
    saveRecord(rec(1002, 'web', 20));
    expect(loadRecord(1001, 'web')?.key.inum).toBe(10);
    expect(loadRecord(1002, 'web')?.key.inum).toBe(20);
    expect(loadRecord(1003, 'web')).toBeNull();
    deleteRecord(1002, 'web');
    expect(listRecords(1001).map((r) => r.id)).toEqual(['web']);
    expect(allRecords().map((r) => r.uid)).toEqual([1001]);
  });

  it('keep a recording with its bigints for its user alone, until deleted', () => {
    saveKept(rec(1001, 'gone', 10), { flags: 5n, syscalls: { native: [0, 60] } });
    expect(listKept(1001)).toEqual(['gone']);
    expect(listKept(1002)).toEqual([]);
    expect(readKept(1002, 'gone')).toBeNull();
    expect(readKept(1001, 'gone')).toMatchObject({ record: { uid: 1001, id: 'gone' }, recorded: { flags: 5n, syscalls: { native: [0, 60] } } });
    deleteKept(1001, 'gone');
    expect(readKept(1001, 'gone')).toBeNull();
  });
});

describe("the broker's kept recordings are bounded", () => {
  /** Kept recordings, one per (uid, id), each a second older than the next. */
  function keep(...items: [number, string][]): void {
    for (const [i, [uid, id]] of items.entries()) {
      saveKept(rec(uid, id, i), { flags: 0n, syscalls: { native: [0] } });
      const t = 1_700_000_000 + i;
      utimesSync(join(brokerDir(), 'unwritten', String(uid), `${id}.json`), t, t);
    }
  }
  // uids 200000… are subordinate uids of 1001 here
  const personOf = (uid: number) => (uid >= 200000 ? 1001 : uid);

  it('per person (all their uids together): their own oldest go first, each logged', () => {
    keep([1002, 'other'], [1001, 'a'], [200001, 'b'], [200002, 'c'], [1001, 'd']);
    const pruned = pruneKept({ perPerson: 2, total: 100 }, personOf);
    expect(pruned.map((p) => p.id)).toEqual(['a', 'b']);
    expect(allKept().map((k) => k.id)).toEqual(['other', 'c', 'd']);
    expect(existsSync(join(brokerDir(), 'unwritten', '200001'))).toBe(false); // an emptied uid's directory goes too
  });

  it('in all, by count and by bytes: the oldest go first', () => {
    keep([1001, 'a'], [1002, 'b'], [1003, 'c']);
    expect(pruneKept({ perPerson: 10, total: 2 }, personOf).map((p) => p.id)).toEqual(['a']);
    const size = allKept()[0]!.bytes;
    expect(pruneKept({ perPerson: 10, total: 10, bytes: size }, personOf).map((p) => p.id)).toEqual(['b']);
    expect(listKept(1003)).toEqual(['c']);
  });
});

describe("root's gc and the broker's entries", () => {
  it('leaves the kernel entries of rootless containers alone (they are not orphans)', () => {
    saveRecord(rec(1001, 'rootless', 7));
    expect(rootlessClaimedKeys()).toEqual([{ kind: 'pid', inum: 7 }]);
    let entries: TargetKey[] = [{ kind: 'pid', inum: 7 }, { kind: 'pid', inum: 8 }];
    const recorder: GcRecorder = {
      keys: () => [...entries],
      read: () => null,
      release: (keys) => void (entries = entries.filter((k) => !keys.some((key) => k.inum === key.inum))),
      detachIfIdle: () => false,
    };
    const report = gc({ recorder });
    expect(entries).toEqual([{ kind: 'pid', inum: 7 }]);
    expect(report.events).toEqual([{ action: 'orphan', detail: 'kernel entry pid:8 with no record removed' }]);
  });
});
