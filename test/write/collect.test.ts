import { describe, expect, it } from 'vitest';
import { answersOnArches, collectProfile, numbersByArch, unfilteredNoteOf } from '../../src/write/collect.js';
import { COMMAND_NOTE, UNFILTERED_NOTE } from '../../src/profile/build.js';
import type { TargetRecord } from '../../src/state/targets.js';
import { fakeTable } from '../profile/helpers.js';

const table = fakeTable({
  SCMP_ARCH_X86_64: ['read', 'write', 'open_by_handle_at', 'kcmp'],
  SCMP_ARCH_X86: ['read', 'socketcall', 'vm86', 'kcmp'],
});

describe('answersOnArches', () => {
  const replay = {
    filtered: true,
    defaultErrnoRet: 38,
    errnoRules: [
      { names: ['bdflush', 'kcmp', 'vm86', 'open_by_handle_at'], errnoRet: 1 },
      { names: ['pciconfig_read'], errnoRet: 1 },
    ],
  };

  it('keeps only names that exist on the profile\'s arches, and drops rules left empty', () => {
    expect(answersOnArches(replay, ['SCMP_ARCH_X86_64'], table)).toEqual({
      filtered: true,
      defaultErrnoRet: 38,
      errnoRules: [{ names: ['kcmp', 'open_by_handle_at'], errnoRet: 1 }],
    });
  });

  it('counts a name known on any of them (an i386 program was recorded too)', () => {
    expect(answersOnArches(replay, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], table).errnoRules).toEqual([
      { names: ['kcmp', 'vm86', 'open_by_handle_at'], errnoRet: 1 },
    ]);
  });
});

describe('numbersByArch', () => {
  it('maps bitmap slots to seccomp arches and drops empty ones', () => {
    const recorded = { flags: 1n, syscalls: { native: [0, 1], compat: [], x32: [3] } };
    expect([...numbersByArch(recorded, 'SCMP_ARCH_X86_64')]).toEqual([
      ['SCMP_ARCH_X86_64', [0, 1]],
      ['SCMP_ARCH_X32', [3]],
    ]);
  });

  it('on arm64, gives ARM\'s private calls (kept at the top of the numbers) their own numbers back', () => {
    const recorded = { flags: 1n, syscalls: { native: [1007, 1013], compat: [45, 1007, 1008, 1013, 1023], x32: [] } };
    expect([...numbersByArch(recorded, 'SCMP_ARCH_AARCH64')]).toEqual([
      ['SCMP_ARCH_AARCH64', [1007, 1013]],
      ['SCMP_ARCH_ARM', [45, 1007, 0xf0000, 0xf0005, 0xf000f]],
    ]);
  });
});

describe('unfilteredNoteOf', () => {
  it('tells a host command\'s recording from an unfiltered container\'s', () => {
    const container = { id: 'c', replay: { filtered: false, errnoRules: [] } } as unknown as TargetRecord;
    expect(unfilteredNoteOf(container)).toBe(UNFILTERED_NOTE);
    expect(unfilteredNoteOf({ ...container, command: ['true'] })).toBe(COMMAND_NOTE);
  });
});

describe('collectProfile with recorded arguments', () => {
  // numbers are indices into the fake table's names
  const t = fakeTable({ SCMP_ARCH_X86_64: ['read', 'socket', 'prctl', 'exit_group', 'clone'] });
  const record = { id: 'c', runtimes: [], replay: { filtered: true, defaultErrnoRet: 1, errnoRules: [] } } as unknown as TargetRecord;
  const recorded = {
    flags: 1n,
    syscalls: { native: [0, 1, 2, 3], compat: [], x32: [] },
    arguments: new Map<string, number[][] | 'overflow'>([['socket', [[2, 1, 0]]], ['prctl', 'overflow']]),
  };

  it('hands the kernel\'s argument values to the profile: socket filtered, an overflowed prctl left as the filter allowed it', () => {
    const { profile } = collectProfile(record, recorded, t);
    expect(profile.syscalls?.[0]?.names).toEqual(['exit_group', 'read']);
    expect(profile.syscalls?.find((r) => r.names?.includes('socket'))?.args?.[0]).toEqual({ index: 0, value: 2, op: 'SCMP_CMP_EQ' });
    expect(profile.syscalls?.find((r) => r.names?.includes('prctl'))).toMatchObject({ action: 'SCMP_ACT_ALLOW', comment: expect.stringContaining('more than 16') });
  });

  it('argumentFilters false: names only', () => {
    const { profile } = collectProfile(record, recorded, t, false);
    expect(profile.syscalls).toEqual([{ names: ['exit_group', 'prctl', 'read', 'socket'], action: 'SCMP_ACT_ALLOW' }]);
  });
});
