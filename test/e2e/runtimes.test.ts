/**
 * Profiles and OCI runtimes, end to end (root, podman, runc and crun; crun runs here as
 * support.ts's podmanWith sets it up). Tracing works under crun as under runc (the runtime is
 * detected, podman exec, --pid=host, threads with errno carry-over, if: extension, blocked stays
 * blocked), and the runtimes' rule matters: a profile narrowed to one runtime (config
 * `runtimes`) starts under it and not under the other. The replay suite runs every workload
 * across both runtimes (replay-suite.test.ts).
 *
 * And a Go workload narrowed to crun, whose runtime preempts goroutines by signals a brief trace
 * may not see (runc's set, which would cover them, is not in a crun-only profile): traced for a
 * few milliseconds, it replays identically for 1.5 s. A trace that saw no preemption has no
 * tgkill, and a Go runtime refused tgkill does not preempt by signal (it ignores the error);
 * one that saw it has tgkill, getpid and rt_sigreturn together. Only a profile that allows the
 * signal but refuses rt_sigreturn kills the program, which no trace writes: so no "language
 * runtime" set is added (README, Runtimes).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeRuleComment, runtimeSet as fullRuntimeSet, runtimeUnion as fullRuntimeUnion, KNOWN_RUNTIMES, type RuntimeName } from '../../src/profile/runtime-sets.js';
import { argumentSyscall } from '../../src/syscalls/argument-table.js';

// The runtimes' plain rule: their sets but the argument table's syscalls (prctl), which are in
// argument rules with the values the runtimes call them with (profile/argument-rules.ts).
const runtimeSet = (r: RuntimeName) => fullRuntimeSet(r).filter((n) => !argumentSyscall(n));
const runtimeUnion = (rs: readonly RuntimeName[]) => fullRuntimeUnion(rs).filter((n) => !argumentSyscall(n));
import {
  CLI,
  IMAGE,
  RUN_DIR,
  allowed,
  annotationFor,
  podman,
  podmanWith,
  readProfile,
  runPlain,
  runUnder,
  trace,
  useWorkspace,
  waitFor,
  workspace,
  type ProfileJson,
  type TestRuntime,
  type Workspace,
} from './support.js';

const PROBES = 'localhost/seccomp-gen/probes:test';
const ws = useWorkspace();
const path = ws.path;
const crun = { runtime: 'crun' as const };

const runtimeRule = (p: ProfileJson) => p.syscalls.find((r) => r.comment?.startsWith('for the OCI runtime'));

/** Replays `cmd` under `profile` with each runtime: same stdout and exit code as `expected`. */
function expectReplays(profile: string, cmd: string[], expected: { status: number; stdout: string }, opts: { podmanArgs?: string[] } = {}, runtimes: readonly TestRuntime[] = ['crun', 'runc']): void {
  for (const runtime of runtimes) {
    const r = runUnder(ws.hooksDir, profile, cmd, { ...opts, runtime });
    expect({ runtime, status: r.status, stdout: r.stdout }, r.stderr).toEqual({ runtime, ...expected });
  }
}

describe('tracing under crun', () => {
  it('detects crun as the runtime, follows podman exec, and the profile carries every runtime\'s set', () => {
    const out = path('exec.json');
    const started = podmanWith('crun', ws.hooksDir, ['run', '-d', '--annotation', annotationFor(out), IMAGE, 'sleep', '60']);
    expect(started.status, started.stderr).toBe(0);
    const id = started.stdout.trim();
    try {
      const record = JSON.parse(readFileSync(join(RUN_DIR, 'targets', `${id}.json`), 'utf8')) as { runtime?: string };
      expect(record.runtime).toBe('crun');
      expect(podmanWith('crun', ws.hooksDir, ['exec', id, 'ln', '-s', 'x', '/tmp/exec-link']).status).toBe(0);
    } finally {
      podmanWith('crun', ws.hooksDir, ['rm', '-f', '-t', '0', id]);
    }
    expect(waitFor(out)).toBe(true);
    const profile = readProfile(out);
    expect(allowed(profile).has('symlink')).toBe(true); // made by the exec'ed process
    expect(runtimeRule(profile)).toEqual({ names: runtimeUnion(KNOWN_RUNTIMES), action: 'SCMP_ACT_ALLOW', comment: runtimeRuleComment(KNOWN_RUNTIMES) });
    // prctl: PR_SET_KEEPCAPS, PR_CAPBSET_DROP, PR_CAP_AMBIENT, which both runtimes call under the filter
    const prctl = profile.syscalls.filter((r) => r.names.includes('prctl')).map((r) => r.args?.[0]?.value);
    expect(prctl).toEqual(expect.arrayContaining([8, 24, 47]));
    // the workload's rule holds none of the runtimes' calls: crun's setresgid is not the workload's
    expect(profile.syscalls[0]!.names).not.toContain('setresgid');
  });

  it('--pid=host: traced by the mount namespace, replays under both runtimes', () => {
    const cmd = ['ls', '/'];
    const out = path('pidhost.json');
    const traced = trace(ws.hooksDir, out, cmd, { ...crun, podmanArgs: ['--pid=host'] });
    expect(traced.status, traced.stderr).toBe(0);
    expect(allowed(readProfile(out)).has('getdents64')).toBe(true);
    expectReplays(out, cmd, { status: 0, stdout: traced.stdout }, { podmanArgs: ['--pid=host'] });
  });

  it('threads: the tracing-time clone3 ENOSYS is carried over, and glibc falls back under both runtimes', () => {
    const docker = path('clone3-enosys.json');
    writeFileSync(docker, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }] }));
    const out = path('threads-enosys.json');
    const traced = trace(ws.hooksDir, out, ['threads'], { ...crun, podmanArgs: ['--security-opt', `seccomp=${docker}`] });
    expect(traced.status, traced.stderr).toBe(0);
    const profile = readProfile(out);
    expect(allowed(profile).has('clone3')).toBe(false);
    expect(profile.syscalls).toContainEqual(expect.objectContaining({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }));
    expectReplays(out, ['threads'], { status: 0, stdout: traced.stdout });
  });

  it('if: extends a base, keeps what it blocks blocked, and starts under both runtimes', () => {
    const base = path('no-mkdir.json');
    writeFileSync(
      base,
      JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }),
    );
    const a = ['ls', '-l', '/bin/busybox'];
    const b = ['sh', '-c', 'mkdir /tmp/x; ln -s /tmp/x /tmp/y && readlink /tmp/y'];
    const out = path('extended.json');
    expect(trace(ws.hooksDir, path('a.json'), a, { ...crun, input: base }).status).toBe(0);
    const traced = trace(ws.hooksDir, out, b, { ...crun, input: path('a.json') });
    expect(traced.status, traced.stderr).toBe(0);
    const profile = readProfile(out);
    expect(allowed(profile).has('symlink')).toBe(true);
    expect(allowed(profile).has('mkdir')).toBe(false);
    expectReplays(out, a, { status: 0, stdout: runPlain(ws.hooksDir, a).stdout });
    for (const runtime of ['crun', 'runc'] as const) {
      const r = runUnder(ws.hooksDir, out, b, { runtime });
      expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: traced.stdout });
      expect(r.stderr).toMatch(/mkdir: can't create directory '\/tmp\/x': Operation not permitted/);
    }
  });
});

describe('a profile narrowed to one runtime (config runtimes)', () => {
  let only: Record<TestRuntime, Workspace>;
  beforeAll(() => {
    // Each workspace's hooks read a config of their own, naming one runtime.
    const made: Partial<Record<TestRuntime, Workspace>> = {};
    for (const r of ['runc', 'crun'] as const) {
      const config = path(`only-${r}.config.json`);
      writeFileSync(config, JSON.stringify({ runtimes: [r] }), { mode: 0o644 });
      made[r] = workspace([`SECCOMP_GEN_CONFIG=${config}`]);
    }
    only = made as Record<TestRuntime, Workspace>;
  });
  afterAll(() => {
    for (const w of Object.values(only ?? {})) w.cleanup();
  });

  it.each([
    ['crun', 'runc', /procfs|function not implemented/i],
    ['runc', 'crun', /setresgid|Function not implemented/],
  ] as const)('narrowed to %s: starts under it, not under %s', (narrowTo, other, failure) => {
    const out = path(`ls-only-${narrowTo}.json`);
    const traced = podmanWith(narrowTo, only[narrowTo].hooksDir, ['run', '--rm', '--annotation', annotationFor(out), IMAGE, 'ls', '/']);
    expect(traced.status, traced.stderr).toBe(0);
    const profile = readProfile(out);
    expect(runtimeRule(profile)).toEqual({ names: runtimeSet(narrowTo), action: 'SCMP_ACT_ALLOW', comment: runtimeRuleComment([narrowTo]) });
    const show = spawnSync('node', [CLI, 'show', out], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(show.stdout).toMatch(new RegExp(`starts under\\s+${narrowTo}; not ${other} \\(needs `));
    const same = runUnder(ws.hooksDir, out, ['ls', '/'], { runtime: narrowTo });
    expect({ status: same.status, stdout: same.stdout }).toEqual({ status: 0, stdout: traced.stdout });
    const refused = runUnder(ws.hooksDir, out, ['ls', '/'], { runtime: other });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(failure);
  });

  it('Go, narrowed to crun: traced for milliseconds, replays identically for 1.5 s of preemptible goroutines', () => {
    const image = podman(ws.hooksDir, ['image', 'exists', PROBES]);
    expect(image.status, `${PROBES} is missing: run test/images/build-probes.sh (test/setup.sh does)`).toBe(0);
    const out = path('go-spin.json');
    const traced = podmanWith('crun', only.crun.hooksDir, ['run', '--rm', '--annotation', annotationFor(out), PROBES, 'spin', '5']);
    expect({ status: traced.status, stdout: traced.stdout }, traced.stderr).toEqual({ status: 0, stdout: '4 goroutines done\n' });
    const profile = readProfile(out);
    const names = allowed(profile);
    // what runc's set would bring is not there unless the workload itself made it
    expect(runtimeRule(profile)?.names).toEqual(runtimeSet('crun'));
    // the preemption calls come together or not at all
    if (names.has('tgkill')) expect(names.has('rt_sigreturn')).toBe(true);
    const replay = runUnder(ws.hooksDir, out, ['spin', '1500'], { image: PROBES, runtime: 'crun' });
    expect({ status: replay.status, stdout: replay.stdout, stderr: replay.stderr }).toEqual({ status: 0, stdout: traced.stdout, stderr: '' });

    // Why they must: a profile that lets the Go runtime signal a goroutine but refuses the
    // return from the handler kills the program at its first preemption.
    const split = path('go-no-sigreturn.json');
    writeFileSync(
      split,
      JSON.stringify({
        ...profile,
        syscalls: [
          ...profile.syscalls.map((r) => ({ ...r, names: r.names.filter((n) => n !== 'rt_sigreturn') })).filter((r) => r.names.length),
          { names: ['getpid', 'tgkill'], action: 'SCMP_ACT_ALLOW' },
        ],
      }),
    );
    const killed = runUnder(ws.hooksDir, split, ['spin', '1500'], { image: PROBES, runtime: 'crun' });
    expect(killed.status).not.toBe(0);
    expect(killed.stdout).toBe('');
  });
});
