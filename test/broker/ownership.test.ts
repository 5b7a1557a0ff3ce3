import { describe, expect, it } from 'vitest';
import { hostIdentity, outsideUid, ownedTarget, parseIdMap, startTimeOf, stillRunning, type ProcReader } from '../../src/broker/ownership.js';

/** /proc/<pid>/stat with `start` as field 22 and a comm that has spaces and parentheses. */
function stat(pid: number, start: number | string): string {
  const after = ['S', '1', '1', '1', '0', '-1', '4194560', '0', '0', '0', '0', '0', '0', '0', '0', '20', '0', '1', '0', String(start), '1000'];
  return `${pid} (we ird) (x) ${after.join(' ')}\n`;
}

interface FakeProcess {
  user: number;
  pid: number;
  mnt: number;
  uidMap: string;
  start: number;
}

const HOST = { user: 1, pid: 2, mnt: 3 };

/** A /proc of the host (self and pid 1) and the given processes; `starts` replays start times read after read. */
function fakeProc(procs: Record<number, FakeProcess>, starts: Record<number, number[]> = {}): ProcReader {
  const reads: Record<number, number> = {};
  return {
    read(path) {
      const m = /^\/proc\/(\d+)\/(stat|uid_map)$/.exec(path);
      const p = m && procs[Number(m[1])];
      if (!m || !p) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      if (m[2] === 'uid_map') return p.uidMap;
      const seq = starts[Number(m[1])];
      const n = (reads[Number(m[1])] = (reads[Number(m[1])] ?? 0) + 1);
      return stat(Number(m[1]), seq ? seq[Math.min(n - 1, seq.length - 1)]! : p.start);
    },
    inode(path) {
      const m = /^\/proc\/(\d+|self)\/ns\/(user|pid|mnt)$/.exec(path);
      if (!m) throw new Error(`unexpected ${path}`);
      if (m[1] === 'self' || m[1] === '1') return HOST[m[2] as 'user'];
      const p = procs[Number(m[1])];
      if (!p) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return p[m[2] as 'user' | 'pid' | 'mnt'];
    },
  };
}

const container = (over: Partial<FakeProcess> = {}): FakeProcess => ({ user: 100, pid: 200, mnt: 300, uidMap: '         0       1001          1\n         1     100000      65536\n', start: 777, ...over });

describe('ownedTarget', () => {
  it("keys a user's container by its PID namespace and keeps its start time", () => {
    expect(ownedTarget(1001, 42, fakeProc({ 42: container() }))).toEqual({ key: { kind: 'pid', inum: 200 }, start: '777' });
  });

  it('keys a --pid=host container by its mount namespace', () => {
    expect(ownedTarget(1001, 42, fakeProc({ 42: container({ pid: HOST.pid }) })).key).toEqual({ kind: 'mnt', inum: 300 });
  });

  it("refuses another user's container (its root maps to them)", () => {
    expect(() => ownedTarget(1002, 42, fakeProc({ 42: container() }))).toThrow(/process 42 is not in a container of uid 1002: its user namespace maps root to uid 1001/);
  });

  it('refuses a process of the host user namespace, even one whose uid matches', () => {
    expect(() => ownedTarget(0, 42, fakeProc({ 42: container({ user: HOST.user, uidMap: '0 0 4294967295\n' }) }))).toThrow(/runs in the host's user namespace/);
  });

  it('refuses a namespace whose root is not mapped', () => {
    expect(() => ownedTarget(1001, 42, fakeProc({ 42: container({ uidMap: '1 1001 1\n' }) }))).toThrow(/maps root to nobody/);
  });

  it('refuses a process sharing both host namespaces', () => {
    expect(() => ownedTarget(1001, 42, fakeProc({ 42: container({ pid: HOST.pid, mnt: HOST.mnt }) }))).toThrow(/shares both the PID and the mount namespace of the host/);
  });

  it('refuses a pid that was reused while it was checked (start time changed), or is gone', () => {
    expect(() => ownedTarget(1001, 42, fakeProc({ 42: container() }, { 42: [777, 778] }))).toThrow(/process 42 does not exist \(or exited while it was checked\)/);
    expect(() => ownedTarget(1001, 43, fakeProc({ 42: container() }))).toThrow(/process 43 does not exist/);
  });

  it('stillRunning: same namespace and start time', () => {
    const proc = fakeProc({ 42: container() });
    expect(stillRunning(42, { kind: 'pid', inum: 200 }, '777', proc)).toBe(true);
    expect(stillRunning(42, { kind: 'pid', inum: 200 }, '776', proc)).toBe(false);
    expect(stillRunning(43, { kind: 'pid', inum: 200 }, '777', proc)).toBe(false);
  });
});

describe('ids', () => {
  it('parses uid_map lines and maps a uid out', () => {
    const map = parseIdMap('0 1001 1\n1 100000 65536\n');
    expect(outsideUid(map, 0)).toBe(1001);
    expect(outsideUid(map, 5)).toBe(100004);
    expect(outsideUid(map, 70000)).toBeUndefined();
  });

  it("reads the start time after the last ')' of comm", () => {
    expect(startTimeOf(stat(7, 123456))).toBe('123456');
    expect(() => startTimeOf('7 (x) S')).toThrow(/unreadable/);
  });

  it('tells host root from root in a user namespace', () => {
    const euid = process.geteuid!();
    expect(hostIdentity(() => '         0          0 4294967295\n')).toEqual({ uid: euid, rootless: euid !== 0 });
    if (euid === 0) expect(hostIdentity(() => '0 1003 1\n1 100000 65536\n')).toEqual({ uid: 1003, rootless: true });
  });
});
