/**
 * End to end, on the real kernel and real podman (needs root; see support.ts): trace a
 * container, then prove the profile by replay — the same command under it gives the same output
 * and exit code — and by what it keeps out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ANNOTATION,
  IMAGE,
  ROOT,
  allowed,
  annotationFor,
  isolationEnv,
  logLinesOf,
  podman,
  podmanAsync,
  readProfile,
  recorderPinned,
  runPlain,
  runUnder,
  trace,
  traceArgs,
  useWorkspace,
  waitFor,
} from './support.js';

const ws = useWorkspace();
const path = ws.path;

/** Trace `cmd`, check it ran as it does untraced, and replay it under the profile. */
function traceAndReplay(name: string, cmd: string[], opts: { input?: string } = {}) {
  const out = path(name);
  const baseline = runPlain(ws.hooksDir, cmd);
  const traced = trace(ws.hooksDir, out, cmd, opts);
  expect(traced.stderr).not.toMatch(/seccomp-gen/);
  expect({ status: traced.status, stdout: traced.stdout }).toEqual({ status: baseline.status, stdout: baseline.stdout });
  // podman waits for poststop before `podman run` returns: no sleep needed.
  expect(existsSync(out)).toBe(true);
  const replay = runUnder(ws.hooksDir, out, cmd);
  expect({ status: replay.status, stdout: replay.stdout, stderr: replay.stderr }).toEqual({
    status: baseline.status,
    stdout: baseline.stdout,
    stderr: baseline.stderr,
  });
  return { out, profile: readProfile(out), baseline };
}

describe('tracing ls / in a busybox container', () => {
  it('writes a profile of the documented shape that replays identically', () => {
    const { profile, baseline } = traceAndReplay('ls.json', ['ls', '/']);
    expect(baseline.stdout).toContain('bin');
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64']);
    // The workload's rule, then the OCI runtimes' (profile/runtime-sets.ts), each sorted; then
    // the argument rules (profile/argument-rules.ts), one condition per argument index.
    const allowRules = profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args?.length);
    expect(allowRules).toHaveLength(2);
    const argumentRules = profile.syscalls.filter((r) => r.args?.length);
    expect(argumentRules.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names)).toContain('prctl');
    for (const r of argumentRules) expect(new Set(r.args!.map((a) => a.index)).size).toBe(r.args!.length);
    expect(allowRules[1]!.comment).toMatch(/^for the OCI runtime: what crun, runc call under the filter/);
    for (const r of allowRules) expect(r.names).toEqual([...r.names].sort());
    const names = [...allowed(profile)];
    for (const n of ['execve', 'getdents64', 'write', 'exit_group']) expect(names).toContain(n);
    // Only what ran under the container's filter: the runtime's own setup is not there.
    for (const n of ['mount', 'umount2', 'pivot_root', 'sethostname']) expect(names).not.toContain(n);
    console.log(`ls / profile: ${names.length} syscalls, the workload's ${allowRules[0]!.names.length}: ${allowRules[0]!.names.join(' ')}`);
  });

  it('really restricts: a syscall ls / never made is refused under it', () => {
    const profile = path('ls.json');
    expect(allowed(readProfile(profile)).has('mkdir')).toBe(false);
    const plain = runPlain(ws.hooksDir, ['mkdir', '/tmp/d']);
    expect(plain.status).toBe(0);
    const under = runUnder(ws.hooksDir, profile, ['mkdir', '/tmp/d']);
    expect(under.status).not.toBe(0);
    expect(under.stderr).toMatch(/mkdir/);
  });

  it('detaches the recorder once no container is traced', () => {
    expect(recorderPinned()).toBe(false);
  });
});

describe('extending a base profile with if:', () => {
  it('traces B on top of A: both replay under the result', () => {
    const a = ['ls', '-l', '/bin/busybox', '/etc/passwd'];
    const b = ['sh', '-c', 'mkdir /tmp/x && ln -s /tmp/x /tmp/y && readlink /tmp/y'];
    traceAndReplay('a.json', a);
    const { profile } = traceAndReplay('ab.json', b, { input: path('a.json') });
    const names = allowed(profile);
    for (const n of allowed(readProfile(path('a.json')))) expect(names.has(n)).toBe(true);
    expect(names.has('mkdir')).toBe(true);
    expect(names.has('symlink')).toBe(true);
    const replayA = runUnder(ws.hooksDir, path('ab.json'), a);
    expect(replayA.status).toBe(0);
    expect(replayA.stdout).toBe(runPlain(ws.hooksDir, a).stdout);
  });

  it('keeps what the base blocks blocked', () => {
    const base = path('no-mkdir.json');
    writeFileSync(
      base,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 1,
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
      }),
    );
    const cmd = ['mkdir', '/tmp/blocked'];
    const traced = trace(ws.hooksDir, path('blocked.json'), cmd, { input: base });
    expect(traced.status).toBe(0); // while tracing, podman's default filter lets mkdir through
    const profile = readProfile(path('blocked.json'));
    expect(allowed(profile).has('mkdir')).toBe(false);
    expect(profile.syscalls).toContainEqual({ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
    const under = runUnder(ws.hooksDir, path('blocked.json'), cmd);
    expect(under.status).not.toBe(0);
    expect(under.stderr).toMatch(/Operation not permitted/);
  });
});

describe('a threaded program on glibc', () => {
  it('replays under the profile traced with podman\'s default filter', () => {
    const { baseline } = traceAndReplay('threads.json', ['threads']);
    expect(baseline.stdout).toMatch(/^threads=4 total=\d+/);
  });

  it('replays when the tracing-time filter answered clone3 with ENOSYS (Docker\'s default)', () => {
    const docker = path('clone3-enosys.json');
    writeFileSync(
      docker,
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }],
      }),
    );
    const out = path('threads-enosys.json');
    const traced = trace(ws.hooksDir, out, ['threads'], { podmanArgs: ['--security-opt', `seccomp=${docker}`] });
    expect(traced.status).toBe(0);
    const profile = readProfile(out);
    expect(allowed(profile).has('clone3')).toBe(false); // denied before the tracepoint: never seen
    expect(allowed(profile).has('clone')).toBe(true); // glibc's fallback was
    expect(profile.syscalls).toContainEqual(expect.objectContaining({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }));
    const replay = runUnder(ws.hooksDir, out, ['threads']);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toBe(traced.stdout);
  });
});

describe('two containers traced at once', () => {
  it('gives each profile only its own workload\'s syscalls', async () => {
    // Both run for a second side by side; each makes one syscall the other never does.
    const [a, b] = await Promise.all([
      podmanAsync(ws.hooksDir, traceArgs(path('par-a.json'), ['sh', '-c', 'sleep 1; mkdir /tmp/only-a; echo a'])),
      podmanAsync(ws.hooksDir, traceArgs(path('par-b.json'), ['sh', '-c', 'sleep 1; ln -s x /tmp/only-b; echo b'])),
    ]);
    expect([a.status, a.stdout, b.status, b.stdout]).toEqual([0, 'a\n', 0, 'b\n']);
    const pa = allowed(readProfile(path('par-a.json')));
    const pb = allowed(readProfile(path('par-b.json')));
    expect(pa.has('mkdir')).toBe(true);
    expect(pa.has('symlink')).toBe(false);
    expect(pb.has('symlink')).toBe(true);
    expect(pb.has('mkdir')).toBe(false);
    expect(recorderPinned()).toBe(false);
  });
});

describe('a container sharing the host PID namespace (--pid=host)', () => {
  it('is traced by its mount namespace and replays', () => {
    const cmd = ['ls', '/'];
    const out = path('pidhost.json');
    const traced = trace(ws.hooksDir, out, cmd, { podmanArgs: ['--pid=host'] });
    expect(traced.status).toBe(0);
    const names = allowed(readProfile(out));
    expect(names.has('getdents64')).toBe(true);
    const replay = runUnder(ws.hooksDir, out, cmd, { podmanArgs: ['--pid=host'] });
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: 0, stdout: traced.stdout });
  });
});

describe('poststop run twice (podman rm -f of a running --rm container)', () => {
  /** The hook's poststop run by hand, as podman runs it, with the state podman hands it. */
  function poststopAgain(id: string, output: string) {
    const state = { ociVersion: '1.0.2', id, status: 'stopped', bundle: '/', annotations: { [ANNOTATION]: `of:${output}` } };
    const env = Object.fromEntries(isolationEnv().map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    return spawnSync('node', [join(ROOT, 'dist/hook/main.cjs'), 'poststop'], { input: JSON.stringify(state), encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 30_000 });
  }

  it('podman rm -f -t0: the profile is written once, and podman reports no failed hook', () => {
    for (let i = 0; i < 3; i++) {
      const out = path(`rm-f-${i}.json`);
      const started = podman(ws.hooksDir, ['run', '-d', '--rm', '--annotation', annotationFor(out), IMAGE, 'sleep', '20']);
      expect(started.status, started.stderr).toBe(0);
      const id = started.stdout.trim();
      const rm = podman(ws.hooksDir, ['rm', '-f', '-t0', id]);
      expect(rm.stderr).not.toMatch(/hook/);
      expect(waitFor(out)).toBe(true);
      const lines = logLinesOf(id);
      expect(lines.filter((l) => / poststop written /.test(l)).length).toBe(1);
      expect(lines.filter((l) => / poststop refused /.test(l))).toEqual([]);
    }
  });

  it('a poststop run again for a written profile exits 0 and logs that it was written; "prestart did not run" only when it did not', () => {
    const out = path('again.json');
    const cidfile = path('again.cid');
    const first = trace(ws.hooksDir, out, ['true'], { podmanArgs: ['--cidfile', cidfile] });
    expect(first.status, first.stderr).toBe(0);
    const id = readFileSync(cidfile, 'utf8').trim();
    const again = poststopAgain(id, out);
    expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
    expect(logLinesOf(id).join('\n')).toMatch(new RegExp(`poststop again id=${id} output=\\S*again\\.json: poststop ran again for this container \\(podman rm -f runs it twice\\): its first poststop took the recording out and writes the profile to \\S*again\\.json`));
    // a container whose prestart never ran: that is what it says
    const never = poststopAgain('sg-never-traced-' + process.pid, out);
    expect(never.status).toBe(1);
    expect(never.stderr).toMatch(/was not traced: the prestart hook did not run/);
  });
});
