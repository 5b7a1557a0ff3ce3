import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeccompGenError } from '../../src/errors.js';
import { compareVerdicts, type Verdict } from '../../src/toolkit/actions.js';
import { allowedNames, defaultVerdict, verdictOf } from '../../src/toolkit/effective.js';
import { mergeProfiles } from '../../src/toolkit/merge.js';
import type { CanonicalProfile, CanonicalRule } from '../../src/toolkit/model.js';
import { loadProfile } from '../../src/toolkit/load.js';
import { ACTIONS } from '../../src/profile/schema.js';
import { fixture } from '../profile/helpers.js';
import { DOCKER_DEFAULT_PATH } from '../../src/toolkit/docker-default.js';

const base = (syscalls: CanonicalRule[], extra: Partial<CanonicalProfile> = {}): CanonicalProfile => ({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, syscalls, ...extra });

describe('merge: union', () => {
  it('allows what any input allows, sorted, one rule per answer', () => {
    const a = base([{ names: ['write', 'read'], action: 'SCMP_ACT_ALLOW' }], { architectures: ['SCMP_ARCH_X86_64'] });
    const b = base([{ names: ['close', 'read'], action: 'SCMP_ACT_ALLOW' }, { names: ['ptrace'], action: 'SCMP_ACT_KILL_PROCESS' }], { architectures: ['SCMP_ARCH_X86'], flags: ['SECCOMP_FILTER_FLAG_LOG'] });
    expect(mergeProfiles([a, b])).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [
        { names: ['close', 'read', 'write'], action: 'SCMP_ACT_ALLOW' },
        // a leaves ptrace to its default, ERRNO: less restrictive than KILL_PROCESS
        { names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      ].filter((r) => r.action === 'SCMP_ACT_ALLOW'),
    });
  });

  it('the less restrictive action wins, in the documented order', () => {
    const order = ['SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_LOG', 'SCMP_ACT_ALLOW'] as const;
    for (let i = 0; i + 1 < order.length; i++) {
      const p = (action: (typeof order)[number]) => base([{ names: ['x'], action, ...(action === 'SCMP_ACT_ERRNO' ? { errnoRet: 13 } : {}) }], { defaultAction: 'SCMP_ACT_KILL' });
      const lower = p(order[i]!);
      const higher = p(order[i + 1]!);
      expect(mergeProfiles([lower, higher]).syscalls[0]!.action).toBe(order[i + 1]);
      expect(mergeProfiles([lower, higher], { mode: 'intersect' }).syscalls[0]!.action).toBe(order[i]);
    }
  });

  it('an entry with no argument filter beats one with', () => {
    const filtered = base([{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }]);
    const plain = base([{ names: ['personality'], action: 'SCMP_ACT_ALLOW' }]);
    expect(mergeProfiles([filtered, plain]).syscalls).toEqual([{ names: ['personality'], action: 'SCMP_ACT_ALLOW' }]);
    // intersect: the filtered one is what both allow
    expect(mergeProfiles([filtered, plain], { mode: 'intersect' }).syscalls).toEqual(filtered.syscalls);
  });

  it('intersect keeps what every input allows; a name one input leaves to its default is dropped', () => {
    const a = base([{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }]);
    const b = base([{ names: ['read', 'close'], action: 'SCMP_ACT_ALLOW' }]);
    expect(mergeProfiles([a, b], { mode: 'intersect' }).syscalls).toEqual([{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]);
  });

  it('differing default actions are an error naming the files, unless --default-action settles them', () => {
    const a = base([{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]);
    const b = base([{ names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }], { defaultErrnoRet: 38 });
    expect(() => mergeProfiles([a, b], { sources: ['a.json', 'b.json'] })).toThrow(
      new SeccompGenError('USAGE', 'default actions differ: a.json has SCMP_ACT_ERRNO(1), b.json has SCMP_ACT_ERRNO(38); choose one with --default-action'),
    );
    const m = mergeProfiles([a, b], { defaultVerdict: { action: 'SCMP_ACT_ERRNO', errnoRet: 38 } });
    expect(m.defaultErrnoRet).toBe(38);
    // read: allowed; bpf: EPERM in both (explicitly in b, by a's default in a), so still EPERM
    expect(m.syscalls).toEqual([
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['bpf'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    ]);
  });

  it('archMap stays archMap when every input has one', () => {
    const docker = loadProfile(DOCKER_DEFAULT_PATH).profile;
    const podman = loadProfile(fixture('podman-default.json')).profile;
    const m = mergeProfiles([docker, podman], { defaultVerdict: { action: 'SCMP_ACT_ERRNO', errnoRet: 38 } });
    expect(m.archMap?.map((e) => e.architecture)).toContain('SCMP_ARCH_RISCV64');
    expect(m.architectures).toBeUndefined();
    const ls = loadProfile(fixture('ls.json')).profile;
    const flat = mergeProfiles([podman, ls]);
    expect(flat.archMap).toBeUndefined();
    expect(flat.architectures).toContain('SCMP_ARCH_S390');
  });

  it('differing listenerPaths cannot be merged', () => {
    expect(() => mergeProfiles([base([], { listenerPath: '/a' }), base([], { listenerPath: '/b' })])).toThrow(/different listenerPaths/);
  });

  it("Docker's and Podman's defaults: union allows everything either allows", () => {
    const docker = loadProfile(DOCKER_DEFAULT_PATH).profile;
    const podman = loadProfile(fixture('podman-default.json')).profile;
    const m = mergeProfiles([docker, podman], { defaultVerdict: { action: 'SCMP_ACT_ERRNO', errnoRet: 38 } });
    const allowed = allowedNames(m);
    for (const n of [...allowedNames(docker), ...allowedNames(podman)]) expect(allowed.has(n), n).toBe(true);
    expect(mergeProfiles([m, docker, podman], { defaultVerdict: { action: 'SCMP_ACT_ERRNO', errnoRet: 38 } })).toEqual(m);
  });
});

// ---- properties -----------------------------------------------------------------------------

const NAMES = ['read', 'write', 'clone', 'ptrace', 'bpf', 'mount'];
const arbRule: fc.Arbitrary<CanonicalRule> = fc
  .record({
    names: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }),
    action: fc.constantFrom(...ACTIONS),
    errno: fc.constantFrom(1, 38),
    args: fc.constantFrom(undefined, [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' as const }], [{ index: 1, value: 7, op: 'SCMP_CMP_GT' as const }]),
    includes: fc.constantFrom(undefined, { caps: ['CAP_SYS_ADMIN'] }),
    comment: fc.constantFrom(undefined, 'seen in a', 'seen in b'),
  })
  .map(({ names, action, errno, args, includes, comment }) => {
    const rule: CanonicalRule = { names, action };
    if (action === 'SCMP_ACT_ERRNO') rule.errnoRet = errno;
    if (args) rule.args = [...args];
    if (includes) rule.includes = { caps: [...includes.caps] };
    if (comment) rule.comment = comment;
    return rule;
  });
const arbProfile: fc.Arbitrary<CanonicalProfile> = fc
  .record({
    syscalls: fc.array(arbRule, { maxLength: 6 }),
    architectures: fc.uniqueArray(fc.constantFrom('SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'), { maxLength: 2 }),
    flags: fc.uniqueArray(fc.constantFrom('SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'), { maxLength: 1 }),
  })
  .map(({ syscalls, architectures, flags }) => ({ ...base(syscalls), ...(architectures.length ? { architectures } : {}), ...(flags.length ? { flags } : {}) }));

/**
 * Conditions of which no two differ yet overlap: where they do, merge approximates (union towards
 * allowing, intersect towards refusing) and the approximation depends on the grouping.
 */
const DISJOINT: (Pick<CanonicalRule, 'args' | 'includes'> | undefined)[] = [
  undefined,
  { args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
  { args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
  { args: [{ index: 0, value: 3, op: 'SCMP_CMP_EQ' }, { index: 1, value: 15, valueTwo: 3, op: 'SCMP_CMP_MASKED_EQ' }] },
  { args: [{ index: 0, value: 4, op: 'SCMP_CMP_EQ' }], includes: { caps: ['CAP_SYS_ADMIN'] } },
];
const arbDisjointRule: fc.Arbitrary<CanonicalRule> = fc
  .record({ rule: arbRule, condition: fc.constantFrom(...DISJOINT) })
  .map(({ rule: { args: _a, includes: _i, ...rule }, condition }) => ({ ...rule, ...structuredClone(condition ?? {}) }));
const arbDisjointProfile: fc.Arbitrary<CanonicalProfile> = fc.array(arbDisjointRule, { maxLength: 6 }).map((syscalls) => base(syscalls));

describe.each(['union', 'intersect'] as const)('merge properties (%s)', (mode) => {
  const m = (...ps: CanonicalProfile[]) => mergeProfiles(ps, { mode });

  it('merge(a, a) = merge(a), and merging that again changes nothing', () => {
    fc.assert(fc.property(arbProfile, (a) => {
      expect(m(a, a)).toEqual(m(a));
      expect(m(m(a))).toEqual(m(a));
    }));
  });

  it('the order of inputs does not matter', () => {
    fc.assert(fc.property(arbProfile, arbProfile, arbProfile, (a, b, c) => {
      expect(m(a, b)).toEqual(m(b, a));
      expect(m(a, b, c)).toEqual(m(c, a, b));
    }));
  });

  it('is associative where conditions do not overlap (in its rules: a comment on a conditional rule a merge makes redundant goes with it)', () => {
    // Per name and condition, the answer; comments and how names are grouped into rules left out.
    const rules = (p: CanonicalProfile) => ({
      ...p,
      syscalls: p.syscalls.flatMap(({ names, comment: _c, ...r }) => names.map((n) => JSON.stringify([n, r]))).sort(),
    });
    fc.assert(fc.property(arbDisjointProfile, arbDisjointProfile, arbDisjointProfile, (a, b, c) => {
      expect(rules(m(m(a, b), c))).toEqual(rules(m(a, m(b, c))));
      expect(rules(m(m(a, b), c))).toEqual(rules(m(a, b, c)));
    }));
  });

  it('output is sorted: names within a rule, unconditional rules first', () => {
    fc.assert(fc.property(arbProfile, arbProfile, (a, b) => {
      const out = m(a, b);
      for (const r of out.syscalls) expect(r.names).toEqual([...r.names].sort());
      const firstConditional = out.syscalls.findIndex((r) => r.args || r.includes);
      if (firstConditional >= 0) expect(out.syscalls.slice(firstConditional).every((r) => r.args || r.includes)).toBe(true);
    }));
  });
});

describe('merge properties: what stays allowed', () => {
  it('union: every syscall any input allows stays allowed', () => {
    fc.assert(fc.property(fc.array(arbProfile, { minLength: 1, maxLength: 4 }), (inputs) => {
      const allowed = allowedNames(mergeProfiles(inputs));
      for (const p of inputs) for (const n of allowedNames(p)) expect(allowed.has(n)).toBe(true);
    }));
  });

  it('intersect: a syscall allowed in the output is allowed by every input', () => {
    fc.assert(fc.property(fc.array(arbProfile, { minLength: 1, maxLength: 4 }), (inputs) => {
      for (const n of allowedNames(mergeProfiles(inputs, { mode: 'intersect' }))) for (const p of inputs) expect(allowedNames(p).has(n)).toBe(true);
    }));
  });
});

// ---- argument rules, judged call by call ------------------------------------------------------

/**
 * A model of what a profile answers one call: the rules whose conditions hold for it (args ANDed,
 * includes.caps held, excludes.caps not), a conditional one before an unconditional one (as
 * libseccomp orders them); where several differ, the most restrictive (libseccomp leaves the
 * choice unspecified: the model takes the safe reading), else the default. (runc and crun skip a
 * rule that answers as the default does; merge never relies on one, the model reads them as written.)
 */
interface Call { name: string; args: number[]; caps: string[] }
function holds(a: { index: number; value: number; valueTwo?: number; op: string }, v: number): boolean {
  switch (a.op) {
    case 'SCMP_CMP_EQ': return v === a.value;
    case 'SCMP_CMP_NE': return v !== a.value;
    case 'SCMP_CMP_GT': return v > a.value;
    case 'SCMP_CMP_GE': return v >= a.value;
    case 'SCMP_CMP_LT': return v < a.value;
    case 'SCMP_CMP_LE': return v <= a.value;
    default: return (v & a.value) === (a.valueTwo ?? 0);
  }
}
function answerOf(p: CanonicalProfile, call: Call): Verdict {
  const matching = p.syscalls.filter((r) => r.names.includes(call.name) && (r.includes?.caps ?? []).every((c) => call.caps.includes(c)) && !(r.excludes?.caps ?? []).some((c) => call.caps.includes(c)));
  // includes/excludes count as conditions here, as merge reads them (effective.ts)
  const conditional = matching.filter((r) => (r.args?.length || r.includes || r.excludes) && (r.args ?? []).every((a) => holds(a, call.args[a.index] ?? 0)));
  const plain = matching.filter((r) => !r.args?.length && !r.includes && !r.excludes);
  const pickFrom = conditional.length ? conditional : plain;
  if (!pickFrom.length) return defaultVerdict(p);
  return pickFrom.map(verdictOf).sort(compareVerdicts)[0]!;
}
const CALLS: Call[] = ['read', 'clone'].flatMap((name) => [0, 1, 2, 3, 4].flatMap((a0) => [0, 3, 8, 19].flatMap((a1) => [[], ['CAP_SYS_ADMIN']].map((caps) => ({ name, args: [a0, a1], caps })))));
const allows = (p: CanonicalProfile, c: Call) => answerOf(p, c).action === 'SCMP_ACT_ALLOW';

const OVERLAPPING: (Pick<CanonicalRule, 'args' | 'includes'> | undefined)[] = [
  ...DISJOINT,
  { args: [{ index: 1, value: 7, op: 'SCMP_CMP_GT' }] },
  { args: [{ index: 0, value: 2, op: 'SCMP_CMP_NE' }] },
  { args: [{ index: 1, value: 1, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' }] },
  { includes: { caps: ['CAP_SYS_ADMIN'] } },
];
const arbArgRule: fc.Arbitrary<CanonicalRule> = fc
  .record({ names: fc.uniqueArray(fc.constantFrom('read', 'clone'), { minLength: 1, maxLength: 2 }), action: fc.constantFrom('SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_LOG') as fc.Arbitrary<CanonicalRule['action']>, errno: fc.constantFrom(1, 22, 38), condition: fc.constantFrom(...OVERLAPPING) })
  .map(({ names, action, errno, condition }) => ({ names, action, ...(action === 'SCMP_ACT_ERRNO' ? { errnoRet: errno } : {}), ...structuredClone(condition ?? {}) }));
// One answer per (name, condition): a profile that contradicts itself is read restrictively by
// merge (effective.ts), which is not what these properties are about.
const arbArgProfile = fc
  .array(arbArgRule, { maxLength: 5 })
  .map((rules) => base(rules.filter((r, i) => !rules.slice(0, i).some((o) => o.names.some((n) => r.names.includes(n)) && JSON.stringify([o.args, o.includes]) === JSON.stringify([r.args, r.includes])))));

describe('merge properties: argument rules, call by call', () => {
  it('union keeps every (syscall, arguments) combination any input allows', () => {
    fc.assert(fc.property(fc.array(arbArgProfile, { minLength: 1, maxLength: 3 }), (inputs) => {
      const out = mergeProfiles(inputs);
      for (const c of CALLS) if (inputs.some((p) => allows(p, c))) expect(allows(out, c), JSON.stringify(c)).toBe(true);
    }), { numRuns: 300 });
  });

  it('intersect never allows a call that any input refuses', () => {
    fc.assert(fc.property(fc.array(arbArgProfile, { minLength: 1, maxLength: 3 }), (inputs) => {
      const out = mergeProfiles(inputs, { mode: 'intersect' });
      for (const c of CALLS) if (allows(out, c)) for (const p of inputs) expect(allows(p, c), JSON.stringify(c)).toBe(true);
    }), { numRuns: 300 });
  });

  it('podman\'s audit EINVAL inside another input\'s "ALLOW AF_NETLINK": intersect keeps it refused', () => {
    const podman = base([
      { names: ['socket'], action: 'SCMP_ACT_ALLOW' },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] },
    ]);
    const netlink = base([{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] }]);
    const audit: Call = { name: 'socket', args: [16, 3, 9], caps: [] };
    const route: Call = { name: 'socket', args: [16, 3, 0], caps: [] };
    const approximated = new Set<string>();
    const both = mergeProfiles([podman, netlink], { mode: 'intersect', approximated });
    expect(allows(both, audit)).toBe(false);
    // partly overlapping conditions: refused on the safe side, and said
    expect(allows(both, route)).toBe(false);
    expect([...approximated]).toEqual(['socket']);
    expect(allows(mergeProfiles([podman, netlink]), audit)).toBe(true); // union: netlink allowed it
  });

  it('union of recorded argument rules keeps each input\'s combinations', () => {
    const a = base([{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] }]);
    const b = base([{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] }]);
    expect(mergeProfiles([a, b]).syscalls.map((r) => r.args?.[0]?.value)).toEqual([1, 2]);
    expect(mergeProfiles([a, b], { mode: 'intersect' }).syscalls).toEqual([]);
  });
});

describe('merge keeps an explicit rule that restates the default', () => {
  it('b\'s mkdir → ERRNO(1) stays when the default is ERRNO(1)', () => {
    const a = base([{ names: ['read'], action: 'SCMP_ACT_ALLOW' }]);
    const b = base([{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }]);
    expect(mergeProfiles([a, b]).syscalls).toEqual([{ names: ['read'], action: 'SCMP_ACT_ALLOW' }, { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }]);
    // and it does not stand in the way of an input that allows it
    expect(mergeProfiles([b, base([{ names: ['mkdir'], action: 'SCMP_ACT_ALLOW' }])]).syscalls).toEqual([{ names: ['mkdir'], action: 'SCMP_ACT_ALLOW' }]);
  });
});
