/**
 * Profiles the hook writes, applied by a real Docker daemon (root, podman, Debian's docker.io;
 * the daemon is private to this file: docker-daemon.ts). Docker runs no OCI hooks, so tracing
 * stays with podman; what Docker users get is the profile:
 *   1. every replay-suite workload, traced under podman (with runc, and with crun: the profile
 *      carries both runtimes' calls), gives the same stdout and exit code under
 *      `docker run --security-opt seccomp=` (Docker runs runc) as it does under podman;
 *   2. what the profile does not allow stays refused under Docker;
 *   3. `convert --to docker` writes a file Docker applies, and says what older Docker ignores:
 *      defaultErrnoRet (moby#42604, Docker 23.0), so there what the profile does not name is
 *      refused with EPERM, not podman's ENOSYS; test 2 checks which this daemon does;
 *   4. a rule's errnoRet is honoured (20.10.24 included): a profile that answers clone3 with
 *      ENOSYS, as the hook writes when the tracing-time filter did, lets glibc fall back to clone.
 * Prints the table: workload, traced under, syscalls allowed, podman replay, Docker replay.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerd, type DockerDaemon } from './docker-daemon.js';
import { CLI, IMAGE, allowed, podman, readProfile, runUnder, trace, useWorkspace, type Run, type TestRuntime } from './support.js';
import { DEBIAN_IMAGE, WORKLOADS } from './workloads.js';

const ws = useWorkspace();
let daemon: DockerDaemon;
const table: string[] = [];

/** Docker gets the very images podman has (no registry is reachable). */
function loadImage(image: string): void {
  const tar = ws.path(`${image.replace(/\W+/g, '-')}.tar`);
  const saved = podman(ws.hooksDir, ['save', '--quiet', '--format', 'docker-archive', '-o', tar, image]);
  if (saved.status !== 0) throw new Error(`podman save ${image}: ${saved.stderr}`);
  const loaded = daemon.docker(['load', '--quiet', '-i', tar]);
  rmSync(tar, { force: true });
  if (loaded.status !== 0) throw new Error(`docker load ${image}: ${loaded.stderr}`);
}

function dockerUnder(profile: string, cmd: string[], image = IMAGE): Run {
  return daemon.docker(['run', '--rm', '--network', 'none', '--security-opt', `seccomp=${profile}`, image, ...cmd]);
}

beforeAll(async () => {
  daemon = await startDockerd();
  loadImage(IMAGE);
  loadImage(DEBIAN_IMAGE);
});

afterAll(async () => {
  if (table.length) {
    console.log(
      [`Docker ${daemon.version}:`, '| workload | traced under | syscalls | podman replay | Docker replay |', '| --- | --- | --- | --- | --- |', ...table].join('\n'),
    );
  }
  await daemon?.stop();
});

describe(`profiles under a real Docker daemon`, () => {
  const cases = WORKLOADS.flatMap((w) => (['runc', 'crun'] as const).map((runtime) => ({ ...w, runtime })));
  it.each(cases)('$name: traced under podman with $runtime, replays identically under docker run', (w) => {
    const runtime: TestRuntime = w.runtime;
    const out = ws.path(`${w.name.replace(/\W+/g, '-')}.${runtime}.json`);
    const opts = { image: DEBIAN_IMAGE, podmanArgs: w.podmanArgs ?? [] };
    const traced = trace(ws.hooksDir, out, w.cmd, { ...opts, runtime });
    expect(traced.status, traced.stderr).toBe(0);
    const underPodman = runUnder(ws.hooksDir, out, w.cmd, opts);
    const underDocker = dockerUnder(out, w.cmd, DEBIAN_IMAGE);
    const same = (r: Run) => (r.status === traced.status && r.stdout === traced.stdout ? 'pass' : `FAIL (${r.status})`);
    table.push(`| ${w.name} | ${runtime} | ${allowed(readProfile(out)).size} | ${same(underPodman)} | ${same(underDocker)} |`);
    expect({ status: underPodman.status, stdout: underPodman.stdout }).toEqual({ status: traced.status, stdout: traced.stdout });
    expect({ status: underDocker.status, stdout: underDocker.stdout, stderr: underDocker.stderr }).toEqual({
      status: traced.status,
      stdout: traced.stdout,
      stderr: underPodman.stderr,
    });
  });

  it('keeps refusing what the workload did not call', () => {
    const out = ws.path('ls.json');
    expect(trace(ws.hooksDir, out, ['ls', '/']).status).toBe(0);
    expect(dockerUnder(out, ['ls', '/']).status).toBe(0);
    const refused = dockerUnder(out, ['mkdir', '/x']);
    expect(refused.status).not.toBe(0);
    // The profile's default answer is ENOSYS (podman's); Docker before 23.0 drops defaultErrnoRet.
    expect(refused.stderr).toMatch(daemon.major >= 23 ? /Function not implemented/ : /Operation not permitted/);
    // and the same container without the profile (Docker's default) may mkdir: the profile refused it
    expect(daemon.docker(['run', '--rm', '--network', 'none', IMAGE, 'mkdir', '/x']).status).toBe(0);
  });

  it('applies what convert --to docker writes, which names what older Docker ignores', () => {
    const traced = ws.path('cat.json');
    expect(trace(ws.hooksDir, traced, ['cat', '/etc/passwd']).status).toBe(0);
    const out = ws.path('cat-docker.json');
    const converted = spawnSync('node', [CLI, 'convert', traced, '--to', 'docker', '-o', out], { encoding: 'utf8' });
    expect(converted.status, converted.stderr).toBe(0);
    expect(converted.stderr).toMatch(/Docker before 23\.0 ignores defaultErrnoRet: .* EPERM \(1\), not 38 \(ENOSYS\)/);
    const run = dockerUnder(out, ['cat', '/etc/passwd']);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: 'root:x:0:0:root:/root:/bin/sh\n' });
  });

  it('honours a rule\'s errnoRet: clone3 answered ENOSYS lets glibc fall back to clone', () => {
    // The threads profile with clone3 refused as Docker's own default refuses it: what the hook
    // writes when the tracing-time filter answered so (trace.test.ts covers the tracing).
    const out = ws.path('threads.json');
    expect(trace(ws.hooksDir, out, ['threads']).status).toBe(0);
    const profile = readProfile(out);
    const enosys = join(ws.dir, 'threads-clone3-enosys.json');
    writeFileSync(
      enosys,
      JSON.stringify({
        ...profile,
        syscalls: [
          ...profile.syscalls.map((r) => ({ ...r, names: r.names.filter((n) => n !== 'clone3') })).filter((r) => r.names.length),
          { names: ['clone'], action: 'SCMP_ACT_ALLOW' }, // the fallback
          { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        ],
      }),
    );
    const underPodman = runUnder(ws.hooksDir, enosys, ['threads']);
    expect(underPodman.status, underPodman.stderr).toBe(0);
    const underDocker = dockerUnder(enosys, ['threads']);
    expect({ status: underDocker.status, stdout: underDocker.stdout }).toEqual({ status: 0, stdout: underPodman.stdout });
    // and with clone3 refused by EPERM instead (errnoRet ignored), glibc would not fall back
    const eperm = join(ws.dir, 'threads-clone3-eperm.json');
    writeFileSync(eperm, readFileSync(enosys, 'utf8').replace('"errnoRet":38', '"errnoRet":1'));
    expect(dockerUnder(eperm, ['threads']).stderr).toMatch(/pthread_create: error 1\b/);
  });
});
