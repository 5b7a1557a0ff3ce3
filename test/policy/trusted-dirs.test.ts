import { describe, expect, it } from 'vitest';
import { untrustedDirReason } from '../../src/policy/trusted-dirs.js';

type Node = { uid: number; mode: number; kind: 'dir' | 'link' | 'file' };
function fs(nodes: Record<string, Node>) {
  return (p: string) => {
    const n = nodes[p];
    if (!n) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return { uid: n.uid, mode: n.mode, isDirectory: () => n.kind === 'dir', isSymbolicLink: () => n.kind === 'link' };
  };
}
const dir = (uid: number, mode: number): Node => ({ uid, mode, kind: 'dir' });
const base = { '/': dir(0, 0o755), '/srv': dir(0, 0o755), '/home': dir(0, 0o755), '/tmp': dir(0, 0o1777) };

describe('untrustedDirReason', () => {
  it('trusts a directory whose parents only root can change', () => {
    expect(untrustedDirReason('/srv/profiles', fs({ ...base, '/srv/profiles': dir(0, 0o755) }))).toBeUndefined();
    expect(untrustedDirReason('/home', fs(base))).toBeUndefined();
    // the entry itself may be anyone's: writes happen in it through a directory handle
    expect(untrustedDirReason('/srv/ci', fs({ ...base, '/srv/ci': dir(1000, 0o775) }))).toBeUndefined();
    // not there yet: allows nothing until it is, checked again then
    expect(untrustedDirReason('/srv/none/x', fs(base))).toBeUndefined();
  });
  it('refuses a symlink entry or ancestor', () => {
    expect(untrustedDirReason('/srv/ws', fs({ ...base, '/srv/ws': { uid: 0, mode: 0o777, kind: 'link' } }))).toMatch(/\/srv\/ws is a symlink/);
    expect(untrustedDirReason('/srv/a/b', fs({ ...base, '/srv/a': { uid: 0, mode: 0o777, kind: 'link' } }))).toMatch(/\/srv\/a is a symlink/);
  });
  it("refuses an entry under a user's directory (who could `rm -r ws; ln -s / ws`)", () => {
    expect(untrustedDirReason('/home/ci/ws', fs({ ...base, '/home/ci': dir(1000, 0o755), '/home/ci/ws': dir(1000, 0o755) }))).toMatch(/\/home\/ci belongs to uid 1000/);
  });
  it('refuses an ancestor writable by others, unless sticky and the next one is root\'s', () => {
    expect(untrustedDirReason('/srv/g/p', fs({ ...base, '/srv/g': dir(0, 0o775), '/srv/g/p': dir(0, 0o755) }))).toMatch(/\/srv\/g is writable by others/);
    expect(untrustedDirReason('/tmp/p', fs({ ...base, '/tmp/p': dir(0, 0o755) }))).toBeUndefined();
    expect(untrustedDirReason('/tmp/p', fs({ ...base, '/tmp/p': dir(1000, 0o755) }))).toMatch(/\/tmp is writable by others/);
  });
});
