import { describe, expect, it } from 'vitest';
import {
  KNOWN_RUNTIMES,
  RUNTIME_SETS,
  checkRuntimeNames,
  isRuntimeRuleComment,
  parseRuntimeList,
  runtimeRuleComment,
  runtimeSet,
  runtimeUnion,
} from '../../src/profile/runtime-sets.js';
import { missingForRuntimes, runtimeWarnings, runtimesStarting, withRuntimeRule } from '../../src/toolkit/runtime-check.js';
import type { CanonicalProfile } from '../../src/toolkit/model.js';
import { libseccompTable } from '../../src/syscalls/table.js';

describe('the runtime sets', () => {
  it('know runc and crun, each with the version it was measured on', () => {
    expect(KNOWN_RUNTIMES).toEqual(['crun', 'runc']);
    expect(RUNTIME_SETS.runc.measuredOn).toMatch(/^runc 1\.1\.5\b/);
    expect(RUNTIME_SETS.crun.measuredOn).toMatch(/^crun 1\.8\.1\b/);
  });

  it('hold what made a profile fail to start under each: runc\'s /proc/self/fd check, crun\'s setresgid', () => {
    expect(runtimeSet('runc')).toContain('fstatfs');
    expect(runtimeSet('crun')).toEqual(expect.arrayContaining(['setresgid', 'setresuid', 'capset', 'prctl']));
  });

  it('runc\'s keeps its Go init\'s nondeterministic calls (async preemption, scheduler, heap)', () => {
    for (const n of ['futex', 'getpid', 'gettid', 'madvise', 'mmap', 'munmap', 'nanosleep', 'rt_sigreturn', 'sched_yield', 'tgkill']) expect(runtimeSet('runc')).toContain(n);
  });

  it('name only syscalls libseccomp knows on x86_64', () => {
    const table = libseccompTable();
    for (const n of runtimeUnion(KNOWN_RUNTIMES)) expect(table.has('SCMP_ARCH_X86_64', n), n).toBe(true);
  });

  it('union: sorted, each name once, no more than both sets', () => {
    const union = runtimeUnion(KNOWN_RUNTIMES);
    expect(union).toEqual([...new Set([...runtimeSet('runc'), ...runtimeSet('crun')])].sort());
    expect(runtimeUnion(['crun'])).toEqual(runtimeSet('crun'));
    expect(runtimeUnion([])).toEqual([]);
  });

  it('the rule\'s comment names the runtimes and versions, and is recognised', () => {
    const c = runtimeRuleComment(['crun', 'runc']);
    expect(c).toBe(`for the OCI runtime: what crun, runc call under the filter before they exec the workload (sets measured on ${RUNTIME_SETS.crun.measuredOn}, ${RUNTIME_SETS.runc.measuredOn})`);
    expect(isRuntimeRuleComment(c)).toBe(true);
    expect(isRuntimeRuleComment('answered so while traced: kept for identical replay')).toBe(false);
  });

  it('user lists: known names only; none is the empty list', () => {
    expect(parseRuntimeList('runc, crun', '--runtimes')).toEqual(['crun', 'runc']);
    expect(parseRuntimeList('none', '--runtimes')).toEqual([]);
    expect(() => parseRuntimeList('youki', '--runtimes')).toThrow(/--runtimes: unknown runtime "youki" \(known: crun, runc\)/);
    expect(() => parseRuntimeList(',', '--runtimes')).toThrow(/expected runtime names/);
    expect(checkRuntimeNames(['runc', 'runc'], 'x')).toEqual(['runc']);
  });
});

const profile = (syscalls: CanonicalProfile['syscalls'], defaultAction: CanonicalProfile['defaultAction'] = 'SCMP_ACT_ERRNO'): CanonicalProfile => ({ defaultAction, syscalls });

describe('which runtimes a profile starts under', () => {
  it('a profile with crun\'s set only: crun, not runc, which lacks what it names', () => {
    const p = profile([{ names: ['uname', ...runtimeSet('crun')], action: 'SCMP_ACT_ALLOW' }]);
    expect(runtimesStarting(p)).toEqual(['crun']);
    const missing = missingForRuntimes(p).get('runc')!;
    expect(missing).toContain('fstatfs');
    expect(missing).not.toContain('close'); // crun's set has it too
  });

  it('an argument filter or a LOG rule: filtered is not enough, logged is', () => {
    const p = profile([
      { names: runtimeSet('crun').filter((n) => n !== 'prctl'), action: 'SCMP_ACT_LOG' },
      { names: ['prctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
    ]);
    expect(missingForRuntimes(p, ['crun']).get('crun')).toEqual(['prctl']);
  });

  it('allow by default: every runtime, unless a rule blocks one of its calls', () => {
    expect(runtimesStarting(profile([], 'SCMP_ACT_ALLOW'))).toEqual(['crun', 'runc']);
    expect(runtimesStarting(profile([{ names: ['setresgid'], action: 'SCMP_ACT_ERRNO' }], 'SCMP_ACT_ALLOW'))).toEqual(['runc']);
  });

  it('validate --runtime: a warning per runtime it cannot start under, saying what to add', () => {
    const p = profile([{ names: runtimeSet('runc'), action: 'SCMP_ACT_ALLOW' }]);
    expect(runtimeWarnings(p, ['runc'], 'x.json')).toEqual([]);
    const [w, ...rest] = runtimeWarnings(p, ['crun', 'runc'], 'x.json');
    expect(rest).toEqual([]);
    expect(w).toBe(
      `x.json: cannot start the container under crun: it does not allow pselect6, rt_sigaction, rt_sigprocmask, setresgid, setresuid, which ${RUNTIME_SETS.crun.measuredOn} may call under the filter before it execs the workload (seccomp-gen convert --runtimes crun adds them)`,
    );
  });
});

describe('withRuntimeRule (convert --runtimes)', () => {
  it('adds what is missing in a rule of its own, keeps what the profile blocks, removes nothing', () => {
    const p = profile([
      { names: ['uname', 'close'], action: 'SCMP_ACT_ALLOW' },
      { names: ['setresgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    ]);
    const { profile: out, added, kept } = withRuntimeRule(p, ['crun']);
    expect(kept).toEqual(['setresgid']);
    expect(added).toEqual(runtimeSet('crun').filter((n) => n !== 'close' && n !== 'setresgid'));
    expect(out.syscalls).toEqual([...p.syscalls, { names: added, action: 'SCMP_ACT_ALLOW', comment: runtimeRuleComment(['crun']) }]);
    expect(withRuntimeRule(out, ['crun']).profile).toBe(out); // nothing left to add
  });
});
