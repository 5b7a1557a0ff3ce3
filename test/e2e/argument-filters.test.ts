/**
 * Argument filters end to end (real kernel, podman, runc): a probe of our own
 * (test/fixtures/probe/argument-probe.c, built static here and mounted into the busybox image)
 * is traced doing a few legitimate things. Then:
 * - it replays under its profile, also with -t (the terminal allowance), and the audit netlink
 *   socket it opens sees EINVAL traced and replayed (podman's conditional answer carried over);
 * - with the capabilities that make the kernel itself allow them, every variant it never
 *   performed (namespace clones and unshares, other socket families and types, other
 *   personalities, TIOCSTI, TIOCLINUX, other prctl options) is refused by the profile;
 * - traced under Docker's default profile, the output refuses all Docker's default refuses;
 * - extended with if: by a run that uses other values of every syscall of the table, the profile
 *   replays both runs and refuses the rest, and a base's blocks of exactly those values hold
 *   (runc and crun; profile/extend.ts says why the rules are cut as they are).
 * Prints the table of what each variant got.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_DEFAULT_PATH } from '../../src/toolkit/docker-default.js';
import { ARGUMENT_SYSCALLS, CLONE_NS_MASK, SOCK_TYPE_MASK, UNSHARE_NS_MASK } from '../../src/syscalls/argument-table.js';
import { TEST_RUNTIMES, podmanWith, readProfile, useWorkspace, type ProfileJson, type Run, type TestRuntime } from './support.js';

const ws = useWorkspace();
const SOURCE = fileURLToPath(new URL('../fixtures/probe/argument-probe.c', import.meta.url));
const CAPS = ['--cap-add', 'SYS_ADMIN,NET_RAW,NET_ADMIN,SYS_TTY_CONFIG'];
const EINVAL = 22;
/** The probe's lines about what it does legitimately; every other line is a variant it never performed. */
const LEGIT = new Set(['audit-netlink-socket', 'ioctl-TIOCGPTN-sign-extended']);

let probe: string;
beforeAll(() => {
  probe = join(ws.dir, 'argument-probe');
  execFileSync('gcc', ['-static', '-O2', '-o', probe, SOURCE]);
});

/** `podman run` the probe (mounted at /probe) with these extra podman arguments, under runc or crun. */
function run(podmanArgs: string[], cmd: string[] = [], runtime: TestRuntime = 'runc'): Run {
  return podmanWith(runtime, ws.hooksDir, ['run', '--rm', '-v', `${probe}:/probe:ro`, ...podmanArgs, 'localhost/seccomp-gen/busybox:test', '/probe', ...cmd]);
}

/** "name errno" lines → map; 0 means the call went through. */
function outcomes(r: Run): Map<string, number> {
  expect(r.status, r.stderr).toBe(0);
  return new Map(r.stdout.trim().split(/\r?\n/).map((l) => l.split(' ')).map(([name, errno]) => [name!, Number(errno)]));
}

const table: string[] = [];
afterAll(() => {
  if (table.length) console.log(['| variant never performed | unconfined + caps | profile (podman-traced) + caps | Docker default | profile (Docker-traced) |', '| --- | --- | --- | --- | --- |', ...table].join('\n'));
});

describe('argument filters on a probe', () => {
  let profile: string;
  let dockerTraced: string;

  it('traced under podman\'s default: the audit socket gets EINVAL, and its profile replays it, also with -t', () => {
    profile = join(ws.dir, 'probe.json');
    const traced = run(['--annotation', `io.containers.trace-syscall=of:${profile}`]);
    expect(outcomes(traced).get('audit-netlink-socket')).toBe(EINVAL);
    const replay = run(['--security-opt', `seccomp=${profile}`]);
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: traced.status, stdout: traced.stdout });
    // traced without -t, run with -t: the terminal queries are allowed, the output the same
    const tty = run(['-t', '--security-opt', `seccomp=${profile}`]);
    expect(outcomes(tty).get('audit-netlink-socket')).toBe(EINVAL);
    const p = readProfile(profile);
    const filtered = new Set(p.syscalls.filter((r) => r.args?.length).flatMap((r) => r.names));
    for (const n of ['clone', 'socket', 'socketpair', 'personality', 'prctl', 'unshare', 'ioctl']) expect(filtered.has(n), n).toBe(true);
    expect(p.syscalls.find((r) => r.names.includes('clone3'))).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    // TIOCGPTN (0x80045430) handed over sign-extended went through traced and replayed: its rule
    // compares the low 32 bits, as the kernel's unsigned int request does
    expect(outcomes(traced).get('ioctl-TIOCGPTN-sign-extended')).toBe(0);
    expect(p.syscalls.find((r) => r.names.includes('ioctl') && r.args?.[0]?.valueTwo === 0x80045430)?.args).toEqual([{ index: 1, value: 0xffffffff, valueTwo: 0x80045430, op: 'SCMP_CMP_MASKED_EQ' }]);
  });

  it('more prctl options than the recorder keeps (16): the profile falls back to what the filter allowed, says so, and replays', () => {
    const out = join(ws.dir, 'probe-prctls.json');
    const traced = run(['--annotation', `io.containers.trace-syscall=of:${out}`], ['prctls']);
    expect(outcomes(traced).get('prctl-queries-refused')).toBe(0);
    const prctl = readProfile(out).syscalls.filter((r) => r.names.includes('prctl'));
    // podman's default allows prctl with any arguments: so does the profile, with the reason
    expect(prctl).toEqual([expect.objectContaining({ action: 'SCMP_ACT_ALLOW', comment: expect.stringContaining('more than 16') })]);
    expect(prctl[0]!.args).toBeUndefined();
    const replay = run(['--security-opt', `seccomp=${out}`], ['prctls']);
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: traced.status, stdout: traced.stdout });
  });

  // Under runc and crun alike: both turn a rule's conditions on different indices into one
  // libseccomp rule (ANDed), so socket(AF_INET, SOCK_DGRAM) does not pass as "AF_INET or DGRAM".
  it.each(['runc', 'crun'] as const)('with the capabilities granted, every variant it never performed is refused by its profile (%s)', (runtime) => {
    const kernel = outcomes(run(['--security-opt', 'seccomp=unconfined', ...CAPS], ['attempt'], runtime));
    const under = outcomes(run(['--security-opt', `seccomp=${profile}`, ...CAPS], ['attempt'], runtime));
    const refusedErrno = readProfile(profile).defaultErrnoRet ?? 1;
    const attempts = [...under.keys()].filter((k) => !LEGIT.has(k));
    expect(attempts.length).toBeGreaterThanOrEqual(20);
    // the kernel alone lets most of them through: the profile is what stops them
    expect([...kernel].filter(([k, e]) => !LEGIT.has(k) && e === 0).length).toBeGreaterThanOrEqual(14);
    if (runtime === 'runc') for (const k of attempts) table.push(`| ${k} | ${kernel.get(k)} | ${under.get(k)} | | |`);
    const allowed = attempts.filter((k) => under.get(k) !== refusedErrno);
    expect(allowed, 'never-performed variants the profile lets through').toEqual([]);
  });

  it('traced under Docker\'s default profile, the output refuses everything Docker\'s default refuses', () => {
    dockerTraced = join(ws.dir, 'probe-docker.json');
    const docker = ['--security-opt', `seccomp=${DOCKER_DEFAULT_PATH}`];
    outcomes(run([...docker, '--annotation', `io.containers.trace-syscall=of:${dockerTraced}`]));
    const kernel = outcomes(run(['--security-opt', 'seccomp=unconfined'], ['attempt']));
    const underDocker = outcomes(run(docker, ['attempt']));
    const underOutput = outcomes(run(['--security-opt', `seccomp=${dockerTraced}`], ['attempt']));
    const refusedBy = (m: Map<string, number>) => [...m].filter(([k, e]) => !LEGIT.has(k) && e !== kernel.get(k)).map(([k]) => k);
    const byDocker = refusedBy(underDocker);
    const byOutput = new Set(refusedBy(underOutput));
    table.push(...[...underDocker.keys()].filter((k) => !LEGIT.has(k)).map((k) => `| ${k} (default caps) | ${kernel.get(k)} | | ${underDocker.get(k)} | ${underOutput.get(k)} |`));
    expect(byDocker.length).toBeGreaterThan(0);
    expect(byDocker.filter((k) => !byOutput.has(k)), 'refused by Docker\'s default, let through by the output').toEqual([]);
  });
});

/**
 * if: with argument filters (issue 24): the base is a profile seccomp-gen traced, so it names every
 * syscall of the argument table in conditional rules (and carries podman's audit-socket EINVAL);
 * the extension's run uses other values of each. SYS_ADMIN and NET_RAW are granted throughout,
 * so that every value goes through unless a profile refuses it.
 */
describe('if: extends a traced profile with other argument values', () => {
  const caps = ['--cap-add', 'SYS_ADMIN,NET_RAW'];
  const traceInto = (output: string, cmd: string, input?: string) => run([...caps, '--annotation', `io.containers.trace-syscall=${input ? `if:${input};` : ''}of:${output}`], [cmd]);
  const under = (profile: string, cmd: string, runtime: TestRuntime) => run([...caps, '--security-opt', `seccomp=${profile}`], [cmd], runtime);
  /** A rule as text, its keys sorted: the base is read back through its schema, which orders them its own way. */
  const text = (v: unknown): string => (Array.isArray(v) ? `[${v.map(text).join(',')}]` : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${k}:${text((v as Record<string, unknown>)[k])}`).join(',')}}` : JSON.stringify(v));
  const rulesFor = (path: string, name: string) => readProfile(path).syscalls.filter((r) => r.names.includes(name)).map(text);
  let base: string;
  let baseRun: Run;
  let moreRun: Run;

  it('for every syscall of the argument table the extension adds the new values, and both runs replay under it with runc and crun', () => {
    base = join(ws.dir, 'extend-base.json');
    const extended = join(ws.dir, 'extend-more.json');
    baseRun = traceInto(base, 'base');
    expect(outcomes(baseRun).get('setns-any')).toBe(0);
    // the rule that made the old extension drop every recorded socket call
    expect(readProfile(base).syscalls).toContainEqual(expect.objectContaining({ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: EINVAL }));
    moreRun = traceInto(extended, 'more', base);
    const more = outcomes(moreRun);
    expect(more.size).toBeGreaterThanOrEqual(17);
    expect([...more].filter(([, e]) => e !== 0 && e !== EINVAL)).toEqual([]); // the audit socket aside, all went through
    for (const { name } of ARGUMENT_SYSCALLS) {
      const before = rulesFor(base, name);
      const after = rulesFor(extended, name);
      expect(before.length, `${name} in the base`).toBeGreaterThan(0);
      expect(after.filter((r) => !before.includes(r)).length, `${name}: rules added`).toBeGreaterThan(0);
      expect(before.filter((r) => !after.includes(r)), `${name}: base rules kept`).toEqual([]);
    }
    for (const runtime of TEST_RUNTIMES) {
      for (const [cmd, traced] of [['more', moreRun], ['base', baseRun]] as const) {
        const replay = under(extended, cmd, runtime);
        expect({ status: replay.status, stdout: replay.stdout }, `${cmd} under ${runtime}`).toEqual({ status: traced.status, stdout: traced.stdout });
      }
      // still tight: every variant neither run made is refused (the kernel alone lets most through, above)
      const madeByMore = new Set(['unshare-CLONE_NEWUTS', 'socket-AF_NETLINK-ROUTE', 'socket-AF_INET-SOCK_RAW', 'socket-AF_INET-SOCK_DGRAM']);
      const attempts = outcomes(run(['--security-opt', `seccomp=${extended}`, ...CAPS], ['attempt'], runtime));
      const refusedErrno = readProfile(extended).defaultErrnoRet ?? 1;
      expect([...attempts].filter(([k, e]) => !LEGIT.has(k) && !madeByMore.has(k) && e !== refusedErrno), `let through under ${runtime}`).toEqual([]);
    }
  });

  it('a base that blocks exactly the values the extension uses keeps them blocked, with runc and crun', () => {
    const EACCES = 13;
    const fallback = readProfile(base).defaultErrnoRet!; // a block equal to the default: runc and crun skip the rule itself
    const socket = (family: number, type: number, protocol?: number) => [
      { index: 0, value: family, op: 'SCMP_CMP_EQ' as const },
      { index: 1, value: SOCK_TYPE_MASK, valueTwo: type, op: 'SCMP_CMP_MASKED_EQ' as const },
      ...(protocol !== undefined ? [{ index: 2, value: protocol, op: 'SCMP_CMP_EQ' as const }] : []),
    ];
    const eq = (index: number, value: number) => [{ index, value, op: 'SCMP_CMP_EQ' as const }];
    const ns = (mask: number, bit: number) => [{ index: 0, value: mask, valueTwo: bit, op: 'SCMP_CMP_MASKED_EQ' as const }];
    const blocks: [string, string, ProfileJson['syscalls'][number]['args'], number][] = [
      ['socket-AF_INET-SOCK_DGRAM', 'socket', socket(2, 2), EACCES],
      ['socket-AF_INET-SOCK_RAW-ICMP', 'socket', socket(2, 3), EACCES],
      ['socket-AF_NETLINK-ROUTE', 'socket', socket(16, 3, 0), EACCES],
      ['socketpair-AF_UNIX-SOCK_DGRAM', 'socketpair', socket(1, 2), EACCES],
      ['socketpair-AF_UNIX-SOCK_SEQPACKET', 'socketpair', socket(1, 5), EACCES],
      ['ioctl-FIONBIO', 'ioctl', eq(1, 0x5421), EACCES],
      ['ioctl-FIOCLEX', 'ioctl', eq(1, 0x5451), EACCES],
      ['clone-CLONE_NEWUTS', 'clone', ns(CLONE_NS_MASK, 0x04000000), EACCES],
      ['clone-CLONE_NEWIPC', 'clone', ns(CLONE_NS_MASK, 0x08000000), EACCES],
      ['unshare-CLONE_NEWUTS', 'unshare', ns(UNSHARE_NS_MASK, 0x04000000), EACCES],
      ['setns-CLONE_NEWUTS', 'setns', eq(1, 0x04000000), fallback],
      ['personality-PER_LINUX32', 'personality', eq(0, 8), fallback],
      ['personality-PER_LINUX', 'personality', eq(0, 0), EACCES],
      ['prctl-PR_GET_NAME', 'prctl', eq(0, 16), EACCES],
      ['prctl-PR_GET_DUMPABLE', 'prctl', eq(0, 3), EACCES],
    ];
    const blocking = join(ws.dir, 'extend-blocking.json');
    const profile = readProfile(base);
    profile.syscalls.push(...blocks.map(([, name, args, errnoRet]) => ({ names: [name], action: 'SCMP_ACT_ERRNO', errnoRet, args })));
    writeFileSync(blocking, JSON.stringify(profile));
    const out = join(ws.dir, 'extend-blocked.json');
    const traced = traceInto(out, 'more', blocking);
    expect(outcomes(traced)).toEqual(outcomes(moreRun)); // traced under podman's default: all went through
    const expected = new Map(blocks.map(([line, , , errno]) => [line, errno]));
    for (const runtime of TEST_RUNTIMES) {
      const got = outcomes(under(out, 'more', runtime));
      expect(new Map([...got].filter(([line]) => expected.has(line))), runtime).toEqual(expected);
      const replay = under(out, 'base', runtime);
      expect({ status: replay.status, stdout: replay.stdout }, `base under ${runtime}`).toEqual({ status: baseRun.status, stdout: baseRun.stdout });
    }
  });

  it('the issue\'s flow: ping traced on top of ls\'s profile runs under its own profile, with runc and crun', () => {
    const net = ['--net=host', '--cap-add', 'NET_RAW'];
    const image = 'localhost/seccomp-gen/busybox:test';
    const ls = join(ws.dir, 'ls.json');
    const ping = join(ws.dir, 'ls-ping.json');
    const pingCmd = ['ping', '-c1', '127.0.0.1'];
    expect(podmanWith('runc', ws.hooksDir, ['run', '--rm', ...net, '--annotation', `io.containers.trace-syscall=of:${ls}`, image, 'ls', '/']).status).toBe(0);
    const traced = podmanWith('runc', ws.hooksDir, ['run', '--rm', ...net, '--annotation', `io.containers.trace-syscall=if:${ls};of:${ping}`, image, ...pingCmd]);
    expect(traced.status, traced.stderr).toBe(0);
    for (const runtime of TEST_RUNTIMES) {
      const r = podmanWith(runtime, ws.hooksDir, ['run', '--rm', ...net, '--security-opt', `seccomp=${ping}`, image, ...pingCmd]);
      expect({ status: r.status, stderr: r.stderr }, runtime).toEqual({ status: 0, stderr: '' });
      expect(r.stdout).toMatch(/1 packets transmitted, 1 packets received/);
    }
  });
});
