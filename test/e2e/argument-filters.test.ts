/**
 * Argument filters end to end (real kernel, podman, runc): a probe of our own
 * (test/fixtures/probe/argument-probe.c, built static here and mounted into the busybox image)
 * is traced doing a few legitimate things. Then:
 * - it replays under its profile, also with -t (the terminal allowance), and the audit netlink
 *   socket it opens sees EINVAL traced and replayed (podman's conditional answer carried over);
 * - with the capabilities that make the kernel itself allow them, every variant it never
 *   performed (namespace clones and unshares, other socket families and types, other
 *   personalities, TIOCSTI, TIOCLINUX, other prctl options) is refused by the profile;
 * - traced under Docker's default profile, the output refuses all Docker's default refuses.
 * Prints the table of what each variant got.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_DEFAULT_PATH } from '../../src/toolkit/docker-default.js';
import { podmanWith, readProfile, useWorkspace, type Run, type TestRuntime } from './support.js';

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
