// The real table: libseccomp through koffi. A library call, no root and no kernel needed.
import { describe, expect, it } from 'vitest';
import { libseccompTable, syscallNumberOf } from '../../src/syscalls/table.js';
import { libseccompArchName, scmpArchName } from '../../src/syscalls/arches.js';
import { SeccompGenError } from '../../src/errors.js';

const table = libseccompTable();
const onX86_64 = process.arch === 'x64';

describe('libseccompTable', () => {
  it.runIf(onX86_64)('knows this machine is x86_64', () => {
    expect(table.nativeArch()).toBe('SCMP_ARCH_X86_64');
  });

  it('names numbers per arch', () => {
    expect(table.name('SCMP_ARCH_X86_64', 59)).toBe('execve');
    expect(table.name('SCMP_ARCH_X86_64', 0)).toBe('read');
    expect(table.name('SCMP_ARCH_X86', 11)).toBe('execve');
    expect(table.name('SCMP_ARCH_X86', 102)).toBe('socketcall');
    expect(table.name('SCMP_ARCH_AARCH64', 221)).toBe('execve');
  });

  it('returns undefined for a number it does not know', () => {
    expect(table.name('SCMP_ARCH_X86_64', 9999)).toBeUndefined();
    expect(table.name('SCMP_ARCH_X86_64', -1)).toBeUndefined();
  });

  it('knows which names an arch has', () => {
    expect(table.has('SCMP_ARCH_X86', 'socketcall')).toBe(true);
    expect(table.has('SCMP_ARCH_X86_64', 'socketcall')).toBe(false); // a pseudo-syscall there
    expect(table.has('SCMP_ARCH_X86_64', 'execve')).toBe(true);
    expect(table.has('SCMP_ARCH_X86_64', 'no_such_syscall')).toBe(false);
  });

  it('refuses an arch libseccomp does not know', () => {
    expect(() => table.name('SCMP_ARCH_VAX', 1)).toThrow(SeccompGenError);
    expect(() => table.name('SCMP_ARCH_VAX', 1)).toThrow(/does not know the arch SCMP_ARCH_VAX/);
  });

  it('describes itself with the library version', () => {
    expect(table.describe()).toMatch(/^libseccomp \d+\.\d+\.\d+$/);
  });
});

describe('arch names', () => {
  it('converts between profile and libseccomp spellings', () => {
    expect(libseccompArchName('SCMP_ARCH_X86_64')).toBe('x86_64');
    expect(libseccompArchName('SCMP_ARCH_AARCH64')).toBe('aarch64');
    expect(scmpArchName('x32')).toBe('SCMP_ARCH_X32');
    expect(scmpArchName(libseccompArchName('SCMP_ARCH_ARM'))).toBe('SCMP_ARCH_ARM');
  });
});

describe('syscallNumberOf', () => {
  it('gives a syscall\'s own number on each arch, not a multiplexer\'s pseudo-number', () => {
    expect(syscallNumberOf('SCMP_ARCH_X86_64', 'socket')).toBe(41);
    expect(syscallNumberOf('SCMP_ARCH_X86', 'socket')).toBe(359); // libseccomp resolves the name to socketcall's pseudo-number
    expect(syscallNumberOf('SCMP_ARCH_AARCH64', 'socket')).toBe(198);
    expect(syscallNumberOf('SCMP_ARCH_ARM', 'socket')).toBe(281);
  });

  it('is undefined for a name the arch lacks, and an error for an arch libseccomp lacks', () => {
    expect(syscallNumberOf('SCMP_ARCH_AARCH64', 'open')).toBeUndefined(); // the generic table has only openat
    expect(() => syscallNumberOf('SCMP_ARCH_NOPE', 'read')).toThrow('libseccomp does not know the arch SCMP_ARCH_NOPE');
  });
});
