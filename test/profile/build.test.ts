import { describe, expect, it } from 'vitest';
import { allowedCount, buildProfile, replayRules, UNFILTERED_NOTE, type Recording } from '../../src/profile/build.js';
import type { ReplayAnswers } from '../../src/oci/replay.js';
import { UNFILTERED } from '../../src/oci/replay.js';
import { ProfileSchema, type Profile } from '../../src/profile/schema.js';
import type { ScmpArch } from '../../src/syscalls/arches.js';
import { KNOWN_RUNTIMES, runtimeRuleComment, runtimeSet, runtimeUnion } from '../../src/profile/runtime-sets.js';

const X86_64: ScmpArch = 'SCMP_ARCH_X86_64';
const X86: ScmpArch = 'SCMP_ARCH_X86';
const X32: ScmpArch = 'SCMP_ARCH_X32';

function recording(names: Record<string, string[]>, unknown: Record<string, number[]> = {}): Recording {
  return {
    names: new Map(Object.entries(names) as [ScmpArch, string[]][]),
    unknown: new Map(Object.entries(unknown) as [ScmpArch, number[]][]),
  };
}

/** What podman 4.3's default filter answers (containers/common seccomp.json). */
const PODMAN: ReplayAnswers = {
  filtered: true,
  defaultErrnoRet: 38,
  errnoRules: [{ names: ['bdflush', 'kexec_load', 'vmsplice', 'read'], errnoRet: 1 }],
};
/** A filter that answers EPERM to everything it does not allow, and nothing else. */
const FILTERED: ReplayAnswers = { filtered: true, defaultErrnoRet: 1, errnoRules: [] };
/** What docker's default filter answers: EPERM by default, clone3 ENOSYS. */
const DOCKER: ReplayAnswers = { filtered: true, defaultErrnoRet: 1, errnoRules: [{ names: ['clone3'], errnoRet: 38 }] };

/** The workload's part alone: no runtime's set (config `runtimes: []`); the runtimes' rule is tested below. */
const build = (rec: Recording, native: ScmpArch, replay: ReplayAnswers, base?: Profile) => buildProfile(rec, native, replay, base, UNFILTERED_NOTE, []);

describe('buildProfile: the runtimes\' rule', () => {
  const union = runtimeUnion(KNOWN_RUNTIMES);

  it('by default carries every known runtime\'s set in its own rule, after the workload\'s, naming them', () => {
    const profile = buildProfile(recording({ [X86_64]: ['uname', 'write', 'execve', 'setresgid'] }), X86_64, FILTERED);
    expect(profile.syscalls).toEqual([
      // what the runtimes' rule holds is not repeated in the workload's
      { names: ['uname'], action: 'SCMP_ACT_ALLOW' },
      { names: union, action: 'SCMP_ACT_ALLOW', comment: runtimeRuleComment(KNOWN_RUNTIMES) },
    ]);
    expect(profile.syscalls?.[1]?.comment).toMatch(/^for the OCI runtime: what crun, runc call under the filter before they exec the workload \(sets measured on crun 1\.8\.1 .*runc 1\.1\.5/);
    expect(ProfileSchema.safeParse(profile).success).toBe(true);
  });

  it('gives the same workload rule whichever runtime traced it', () => {
    const byRunc = buildProfile(recording({ [X86_64]: ['uname', ...runtimeSet('runc')] }), X86_64, FILTERED);
    const byCrun = buildProfile(recording({ [X86_64]: ['uname', ...runtimeSet('crun')] }), X86_64, FILTERED);
    expect(byRunc).toEqual(byCrun);
  });

  it('narrowed to one runtime: only its set, and what the other runtime would need stays the workload\'s when recorded', () => {
    const profile = buildProfile(recording({ [X86_64]: ['uname', 'fstatfs', 'setresgid'] }), X86_64, FILTERED, undefined, UNFILTERED_NOTE, ['crun']);
    expect(profile.syscalls).toEqual([
      { names: ['fstatfs', 'uname'], action: 'SCMP_ACT_ALLOW' },
      { names: runtimeSet('crun'), action: 'SCMP_ACT_ALLOW', comment: runtimeRuleComment(['crun']) },
    ]);
  });

  it('with nothing of the workload\'s own, the notes go with the runtimes\' rule', () => {
    const profile = buildProfile(recording({ [X86_64]: ['read'] }), X86_64, UNFILTERED);
    expect(profile.syscalls).toHaveLength(1);
    expect(profile.syscalls?.[0]?.comment).toBe(`${runtimeRuleComment(KNOWN_RUNTIMES)}; ${UNFILTERED_NOTE}`);
  });

  it('carried errno answers leave out what the runtimes\' rule allows', () => {
    const profile = buildProfile(recording({ [X86_64]: ['uname'] }), X86_64, PODMAN);
    expect(profile.syscalls?.[2]).toMatchObject({ names: ['bdflush', 'kexec_load', 'vmsplice'], errnoRet: 1 });
  });

  it('with a base, the runtimes\' names the base decides stay as the base has them (blocked stays blocked)', () => {
    const base: Profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['setresgid'], action: 'SCMP_ACT_ERRNO' }] };
    const profile = buildProfile(recording({ [X86_64]: ['uname'] }), X86_64, FILTERED, base);
    expect(profile.syscalls?.[0]).toEqual(base.syscalls?.[0]);
    expect(profile.syscalls?.[2]?.names).toEqual(union.filter((n) => n !== 'setresgid'));
  });
});

describe('buildProfile without a base', () => {
  it('denies by default and allows the recorded names in one sorted rule', () => {
    const profile = build(recording({ [X86_64]: ['write', 'execve', '_llseek', 'accept4', 'accept'] }), X86_64, FILTERED);
    expect(profile).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: [X86_64],
      syscalls: [{ names: ['_llseek', 'accept', 'accept4', 'execve', 'write'], action: 'SCMP_ACT_ALLOW' }],
    });
    expect(ProfileSchema.safeParse(profile).success).toBe(true);
  });

  it('keeps the tracing-time default errno (podman: ENOSYS) and the names answered otherwise', () => {
    const profile = build(recording({ [X86_64]: ['read', 'write'] }), X86_64, PODMAN);
    expect(profile.defaultErrnoRet).toBe(38);
    expect(profile.syscalls).toEqual([
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      // read is allowed: it must not also be answered EPERM
      { names: ['bdflush', 'kexec_load', 'vmsplice'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, comment: expect.any(String) },
    ]);
  });

  it('keeps docker\'s clone3 ENOSYS so glibc falls back to clone on replay', () => {
    const profile = build(recording({ [X86_64]: ['clone', 'execve'] }), X86_64, DOCKER);
    expect(profile.defaultErrnoRet).toBe(1);
    expect(profile.syscalls?.[1]).toMatchObject({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('traced with no filter: denies with EPERM and carries no errno rules', () => {
    const profile = build(recording({ [X86_64]: ['read'] }), X86_64, UNFILTERED);
    expect(profile.defaultErrnoRet).toBe(1);
    expect(profile.syscalls?.map((r) => r.action)).toEqual(['SCMP_ACT_ALLOW']);
    expect(profile.syscalls?.[0]?.names).toEqual(['read']);
  });

  it('traced with no filter: the allow rule says so, beside any unknown numbers', () => {
    const plain = build(recording({ [X86_64]: ['read'] }), X86_64, UNFILTERED);
    expect(plain.syscalls?.[0]?.comment).toBe(UNFILTERED_NOTE);
    const both = build(recording({ [X86_64]: ['read'] }, { [X86_64]: [471] }), X86_64, UNFILTERED);
    expect(both.syscalls?.[0]?.comment).toBe(`${UNFILTERED_NOTE}; also called, with no name known to libseccomp: SCMP_ARCH_X86_64 #471`);
  });

  it('puts unknown numbers in the allow rule\'s comment', () => {
    const profile = build(recording({ [X86_64]: ['read'] }, { [X86_64]: [472, 471] }), X86_64, FILTERED);
    const comment = profile.syscalls?.[0]?.comment;
    expect(comment).toContain('no name known to libseccomp');
    expect(comment).toContain('SCMP_ARCH_X86_64 #472, #471');
  });

  it('has no comment when every number was named', () => {
    const profile = build(recording({ [X86_64]: ['read'] }), X86_64, FILTERED);
    expect(profile.syscalls?.[0]).not.toHaveProperty('comment');
  });

  it('lists the native arch first, then the other recorded arches (named or not) sorted by name', () => {
    const profile = build(
      recording({ [X86]: ['socketcall'], [X86_64]: ['read'] }, { [X32]: [600] }),
      X86_64,
      FILTERED,
    );
    expect(profile.architectures).toEqual([X86_64, X32, X86]);
    // names of every arch are allowed (seccomp rules are by name, resolved per arch)
    expect(profile.syscalls?.[0]?.names).toEqual(['read', 'socketcall']);
  });

  it('names the native arch even when only another arch was recorded', () => {
    expect(build(recording({ [X86]: ['read'] }), X86_64, FILTERED).architectures).toEqual([X86_64, X86]);
  });

  it('writes no empty allow rule for an empty recording', () => {
    expect(build(recording({}), X86_64, DOCKER).syscalls).toEqual([
      expect.objectContaining({ names: ['clone3'], errnoRet: 38 }),
    ]);
    expect(build(recording({}), X86_64, FILTERED).syscalls).toEqual([]);
  });

  it('deduplicates names recorded on several arches', () => {
    const profile = build(recording({ [X86_64]: ['read', 'write'], [X86]: ['write', 'read'] }), X86_64, FILTERED);
    expect(profile.syscalls?.[0]?.names).toEqual(['read', 'write']);
  });
});

describe('replayRules', () => {
  it('groups names by errno, sorted by errno then name, without allowed names or the default errno', () => {
    const replay: ReplayAnswers = {
      filtered: true,
      defaultErrnoRet: 38,
      errnoRules: [
        { names: ['z', 'b'], errnoRet: 13 },
        { names: ['clone3'], errnoRet: 38 }, // same as the default: nothing to carry
        { names: ['a', 'allowed'], errnoRet: 1 },
        { names: ['b', 'c'], errnoRet: 13 },
      ],
    };
    expect(replayRules(replay, new Set(['allowed']), 38).map((r) => [r.errnoRet, r.names])).toEqual([
      [1, ['a']],
      [13, ['b', 'c', 'z']],
    ]);
  });

  it('drops a rule all of whose names are allowed', () => {
    expect(replayRules(DOCKER, new Set(['clone3']), 1)).toEqual([]);
  });

  it('is empty for an unfiltered container', () => {
    expect(replayRules(UNFILTERED, new Set(), 1)).toEqual([]);
  });
});

describe('buildProfile with a base (if:)', () => {
  const base: Profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: [X86_64],
    comment: 'kept as written',
    syscalls: [
      { names: ['read', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
      { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
    ],
  } as Profile;

  it('keeps the base default and rules; a name the base decides wholly is left to it, the others are added', () => {
    const profile = build(recording({ [X86_64]: ['read', 'mkdirat', 'write', 'execve'] }), X86_64, FILTERED, base);
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.defaultErrnoRet).toBe(1);
    expect((profile as Record<string, unknown>).comment).toBe('kept as written');
    expect(profile.syscalls?.slice(0, 3)).toEqual(base.syscalls);
    expect(profile.syscalls?.slice(3)).toEqual([{ names: ['execve', 'write'], action: 'SCMP_ACT_ALLOW' }]);
  });

  it('blocked stays blocked: a recorded name the base denies is not allowed', () => {
    const profile = build(recording({ [X86_64]: ['mkdir', 'mkdirat'] }), X86_64, FILTERED, base);
    const allowing = (profile.syscalls ?? []).filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names ?? []);
    expect(allowing).not.toContain('mkdir');
    expect(allowing).not.toContain('mkdirat');
    expect(profile.syscalls).toEqual(base.syscalls);
  });

  it('a base rule with conditions decides only its calls: the socket calls recorded outside it are added, the base\'s limit holds for the rest', () => {
    // recorded: socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC); the base allows only family 1 (AF_UNIX)
    const profile = build({ ...recording({ [X86_64]: ['socket'] }), arguments: new Map([['socket', [[2, 1 | 0x80000, 0]]]]) }, X86_64, FILTERED, base);
    expect(profile.syscalls?.filter((r) => r.names?.includes('socket'))).toEqual([
      base.syscalls?.[2],
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0xfff7f7ff, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }] },
    ]);
  });

  it('what a conditional base rule blocks stays blocked; the recorded calls outside it are added', () => {
    const blocking: Profile = { ...base, syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] }] };
    const rec = { ...recording({ [X86_64]: ['socket'] }), arguments: new Map([['socket', [[2, 2, 0], [10, 1, 0]]]]) };
    const profile = build(rec, X86_64, FILTERED, blocking);
    expect(profile.syscalls).toEqual([
      blocking.syscalls![0],
      // (AF_INET, SOCK_DGRAM) lies inside the base's block: not added; AF_INET6 is outside it
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 10, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0xfff7f7ff, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }] },
    ]);
  });

  it('recorded without argument values, a name is allowed outside the base\'s rules that answer otherwise, which keep their answer', () => {
    const audit: Profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] }],
    };
    const profile = build(recording({ [X86_64]: ['socket'] }), X86_64, FILTERED, audit);
    const note = "outside the base's own rules for socket";
    expect(profile.syscalls).toEqual([
      audit.syscalls![0],
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 16, op: 'SCMP_CMP_NE' }], comment: note },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 9, op: 'SCMP_CMP_NE' }] },
    ]);
  });

  it('carries errno answers that differ from the base default, not those equal to it', () => {
    const replay: ReplayAnswers = {
      filtered: true,
      defaultErrnoRet: 38,
      errnoRules: [
        { names: ['clone3'], errnoRet: 38 },
        { names: ['vmsplice'], errnoRet: 1 },
      ],
    };
    const enosysBase: Profile = { ...base, defaultErrnoRet: 38 };
    const profile = build(recording({ [X86_64]: ['write'] }), X86_64, replay, enosysBase);
    const carried = profile.syscalls?.filter((r) => r.comment?.includes('kept for identical replay'));
    expect(carried?.map((r) => [r.errnoRet, r.names])).toEqual([[1, ['vmsplice']]]);
    expect(profile.defaultErrnoRet).toBe(38);
  });

  it('a base with no defaultErrnoRet answers EPERM: an EPERM answer is not carried', () => {
    const { defaultErrnoRet: _d, ...noErrno } = base;
    const profile = build(recording({ [X86_64]: ['write'] }), X86_64, PODMAN, noErrno as Profile);
    expect(profile.syscalls?.some((r) => r.names?.includes('vmsplice'))).toBe(false);
    expect(profile).not.toHaveProperty('defaultErrnoRet');
  });

  it('a base whose default allows: every errno answer is carried', () => {
    const allowBase: Profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] };
    const profile = build(recording({ [X86_64]: ['write'] }), X86_64, DOCKER, allowBase);
    expect(profile.defaultAction).toBe('SCMP_ACT_ALLOW');
    expect(profile.syscalls).toContainEqual(expect.objectContaining({ names: ['clone3'], errnoRet: 38 }));
  });

  it('adds recorded arches to the base\'s architectures', () => {
    const profile = build(recording({ [X86_64]: ['write'], [X86]: ['socketcall'] }), X86_64, FILTERED, base);
    expect(profile.architectures).toEqual([X86_64, X86]);
    expect(profile).not.toHaveProperty('archMap');
  });

  it('the result is a valid profile', () => {
    const profile = build(recording({ [X86_64]: ['write'] }), X86_64, PODMAN, base);
    expect(ProfileSchema.safeParse(profile).success).toBe(true);
  });
});

describe('allowedCount', () => {
  it('counts the distinct names of allow rules, whether given as names or name', () => {
    const profile: Profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { name: 'read', action: 'SCMP_ACT_ALLOW' },
        { name: 'close', action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO' },
      ],
    };
    expect(allowedCount(profile)).toBe(3);
    expect(allowedCount({ defaultAction: 'SCMP_ACT_ERRNO' })).toBe(0);
  });
});

describe('a base that gives its default errno by name only (containers/common style)', () => {
  it('is read as that errno, so answers equal to it are not carried again', async () => {
    const { buildProfile } = await import('../../src/profile/build.js');
    const base = { defaultAction: 'SCMP_ACT_ERRNO' as const, defaultErrno: 'ENOSYS', syscalls: [] };
    const replay = { filtered: true, defaultErrnoRet: 38, errnoRules: [{ names: ['clone3'], errnoRet: 38 }, { names: ['kcmp'], errnoRet: 1 }] };
    const p = build({ names: new Map([['SCMP_ARCH_X86_64', ['read']]]), unknown: new Map() }, 'SCMP_ARCH_X86_64', replay, base);
    const carried = (p.syscalls ?? []).filter((r) => r.action === 'SCMP_ACT_ERRNO');
    expect(carried).toEqual([expect.objectContaining({ names: ['kcmp'], errnoRet: 1 })]);
  });
});
