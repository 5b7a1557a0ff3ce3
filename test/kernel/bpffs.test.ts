import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isBpffsMounted } from '../../src/kernel/bpffs.js';

const ROOT = '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro';
const SYSFS = '23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw';
const PROC = '24 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw';
const BPF = '41 23 0:36 / /sys/fs/bpf rw,relatime shared:20 - bpf bpf rw';
const CGROUP = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw';

describe('isBpffsMounted', () => {
  it('finds bpffs at /sys/fs/bpf', () => {
    expect(isBpffsMounted([ROOT, SYSFS, PROC, CGROUP, BPF, ''].join('\n'))).toBe(true);
  });

  it('finds it with optional fields (several tags before the separator)', () => {
    const line = '41 23 0:36 / /sys/fs/bpf rw,relatime shared:20 master:3 propagate_from:2 - bpf none rw,mode=700';
    expect(isBpffsMounted([ROOT, line].join('\n'))).toBe(true);
  });

  it('finds it with no optional fields at all', () => {
    expect(isBpffsMounted('41 23 0:36 / /sys/fs/bpf rw,relatime - bpf bpf rw')).toBe(true);
  });

  it('is false when nothing is mounted there (the machine at boot)', () => {
    expect(isBpffsMounted([ROOT, SYSFS, PROC, CGROUP].join('\n'))).toBe(false);
    expect(isBpffsMounted('')).toBe(false);
  });

  it('is false for another filesystem at /sys/fs/bpf', () => {
    expect(isBpffsMounted('41 23 0:36 / /sys/fs/bpf rw,relatime shared:20 - tmpfs bpf rw')).toBe(false);
  });

  it('is false for bpffs mounted elsewhere', () => {
    expect(isBpffsMounted('41 23 0:36 / /mnt/bpf rw,relatime shared:20 - bpf bpf rw')).toBe(false);
    expect(isBpffsMounted('41 23 0:36 / /sys/fs/bpf/sub rw,relatime shared:20 - bpf bpf rw')).toBe(false);
  });

  it('reads /proc/self/mountinfo by default, and agrees with /proc/self/mounts (another view of the same table)', () => {
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' '));
    const there = mounts.some((f) => f[1] === '/sys/fs/bpf' && f[2] === 'bpf');
    expect(isBpffsMounted()).toBe(there);
    expect(isBpffsMounted()).toBe(isBpffsMounted(readFileSync('/proc/self/mountinfo', 'utf8')));
  });
});
