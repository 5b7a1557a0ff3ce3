import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { additionsFrom } from '../../src/audit/additions.js';
import { parseAuditText } from '../../src/audit/parse.js';
import { libseccompTable } from '../../src/syscalls/table.js';

const events = (name: string) => parseAuditText(readFileSync(fileURLToPath(new URL(`../fixtures/audit/${name}`, import.meta.url)), 'utf8'));

describe('additionsFrom (real libseccomp)', () => {
  it('allows each logged or refused call once, named for its own arch', () => {
    const a = additionsFrom(events('dmesg.txt'), libseccompTable());
    expect(a.profile).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
      syscalls: [
        {
          names: ['fcntl', 'mkdir', 'mount', 'open', 'write'],
          action: 'SCMP_ACT_ALLOW',
          comment: "seen in the kernel's seccomp audit records (seccomp-gen audit); also, with no name known to libseccomp: SCMP_ARCH_X86_64 #499",
        },
      ],
    });
    expect(a.unknown).toEqual(new Map([['SCMP_ARCH_X86_64', [499]]]));
    expect(a.events).toBe(7);
    expect(Object.fromEntries(a.byAction)).toEqual({ SCMP_ACT_LOG: 4, SCMP_ACT_ERRNO: 1, SCMP_ACT_KILL_PROCESS: 1 });
  });

  it('takes the default answer and arches of the profile in force (--base), so merge needs no --default-action', () => {
    const a = additionsFrom(events('audit.log'), libseccompTable(), { base: { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, architectures: ['SCMP_ARCH_X86_64'] } });
    expect(a.profile.defaultErrnoRet).toBe(38);
    expect(a.profile.architectures).toEqual(['SCMP_ARCH_X86_64']);
    expect(a.profile.syscalls?.[0]?.names).toEqual(['accept4', 'epoll_wait']);
  });

  it('gives an empty profile for no records, and leaves out arches it cannot name', () => {
    const none = additionsFrom([], libseccompTable());
    expect(none.profile.syscalls).toEqual([]);
    const odd = additionsFrom([{ arch: undefined, auditArch: 0xdeadbeef, syscall: 1, action: 'SCMP_ACT_LOG' }], libseccompTable());
    expect(odd.unknownArches).toEqual([0xdeadbeef]);
    expect(odd.profile.syscalls).toEqual([]);
  });
});
