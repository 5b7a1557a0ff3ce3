import { describe, expect, it } from 'vitest';
import {
  ARGUMENT_SYSCALLS,
  CLONE_NS_MASK,
  FILTERED_ARCHES,
  TERMINAL_QUERIES,
  argumentSyscall,
  flagNames,
  CLONE_NAMESPACES,
  symbolOf,
} from '../../src/syscalls/argument-table.js';

describe('the argument table', () => {
  it('covers the syscalls of the issue, each on x86_64 and ia32', () => {
    expect(ARGUMENT_SYSCALLS.map((s) => s.name).sort()).toEqual(['clone', 'ioctl', 'personality', 'prctl', 'setns', 'socket', 'socketpair', 'unshare']);
    for (const s of ARGUMENT_SYSCALLS) for (const arch of FILTERED_ARCHES) expect(s.index[arch]).toBeTypeOf('number');
  });

  it('clone\'s mask is moby\'s: every namespace bit but CLONE_NEWTIME (0x80 is the exit signal\'s byte in clone)', () => {
    expect(CLONE_NS_MASK).toBe(2114060288);
    expect(argumentSyscall('unshare')!.mask).toBe(2114060288 | 0x80);
  });

  it('the terminal allowance is queries only: never TIOCSTI or TIOCLINUX', () => {
    expect(TERMINAL_QUERIES).not.toContain(0x5412);
    expect(TERMINAL_QUERIES).not.toContain(0x541c);
    expect(TERMINAL_QUERIES).toContain(0x5401);
  });

  it('names values symbolically', () => {
    expect(symbolOf('socket', 0, 2)).toBe('AF_INET');
    expect(symbolOf('socket', 0, 40)).toBe('AF_VSOCK');
    expect(symbolOf('socket', 1, 0xfff7f7ff, 3)).toBe('SOCK_RAW');
    expect(symbolOf('ioctl', 1, 0x5412)).toBe('TIOCSTI');
    expect(symbolOf('ioctl', 1, 0xffffffff, 0x80045430)).toBeUndefined();
    expect(symbolOf('prctl', 0, 15)).toBe('PR_SET_NAME');
    expect(symbolOf('personality', 0, 0x0400000)).toBe('READ_IMPLIES_EXEC');
    expect(symbolOf('clone', 0, 0x10000000)).toBe('CLONE_NEWUSER');
    expect(symbolOf('read', 0, 1)).toBeUndefined();
  });

  it('names flags, or nothing when a bit has no name', () => {
    expect(flagNames(0x10020000, CLONE_NAMESPACES)).toBe('CLONE_NEWNS|CLONE_NEWUSER');
    expect(flagNames(0x7e020000, CLONE_NAMESPACES)).toContain('CLONE_NEWNET');
    expect(flagNames(0x1, CLONE_NAMESPACES)).toBeUndefined();
  });
});
