/**
 * End to end (root, podman): what goes into a profile and what stays out, whatever the
 * container's namespace set-up — and a running container's profile, taken without stopping it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLI,
  IMAGE,
  allowed,
  annotationFor,
  podman,
  podmanAsync,
  readProfile,
  runUnder,
  trace,
  traceArgs,
  useWorkspace,
  waitFor,
} from './support.js';

const ws = useWorkspace();
const path = ws.path;

describe('only what runs under the filter', () => {
  it('leaves the runtime\'s setup calls out of a filtered trace', () => {
    const out = path('ls.json');
    expect(trace(ws.hooksDir, out, ['ls', '/']).status).toBe(0);
    const names = allowed(readProfile(out));
    for (const n of ['mount', 'umount2', 'pivot_root', 'sethostname']) expect(names.has(n)).toBe(false);
  });

  it('falls back to the whole namespace without a filter, says so, and still replays', () => {
    const out = path('unconfined.json');
    const cmd = ['ls', '/'];
    const traced = trace(ws.hooksDir, out, cmd, { podmanArgs: ['--security-opt', 'seccomp=unconfined'] });
    expect(traced.status).toBe(0);
    const profile = readProfile(out);
    expect(profile.syscalls[0]!.comment).toMatch(/traced without a seccomp filter/);
    expect(allowed(profile).has('getdents64')).toBe(true);
    const replay = runUnder(ws.hooksDir, out, cmd);
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: 0, stdout: traced.stdout });
  });
});

describe('namespaces', () => {
  it('--pid=host: a filtered process outside the container (another container) is not recorded', async () => {
    const out = path('pidhost.json');
    // B shares the host PID namespace too and runs under podman's filter, but in its own
    // mount namespace: it must not leak into A's profile.
    const [a, b] = await Promise.all([
      podmanAsync(ws.hooksDir, traceArgs(out, ['sh', '-c', 'sleep 1.5; ls /'], { podmanArgs: ['--pid=host'] })),
      podmanAsync(ws.hooksDir, ['run', '--rm', '--pid=host', IMAGE, 'sh', '-c', 'for i in $(seq 30); do mkdir /tmp/b$i; ln -s x /tmp/l$i; sleep 0.1; done']),
    ]);
    expect([a.status, b.status]).toEqual([0, 0]);
    const names = allowed(readProfile(out));
    expect(names.has('getdents64')).toBe(true);
    expect(names.has('mkdir')).toBe(false);
    expect(names.has('symlink')).toBe(false);
  });

  it('includes processes started with podman exec, and snapshot reads a running container', () => {
    const out = path('exec.json');
    const started = podman(ws.hooksDir, ['run', '-d', '--annotation', annotationFor(out), IMAGE, 'sleep', '60']);
    expect(started.status).toBe(0);
    const id = started.stdout.trim();
    try {
      expect(podman(ws.hooksDir, ['exec', id, 'ln', '-s', 'x', '/tmp/exec-link']).status).toBe(0);
      const snap = spawnSync('node', [CLI, 'snapshot', id.slice(0, 12), '-o', path('snap.json')], { encoding: 'utf8' });
      expect(snap.stderr).toMatch(/syscalls so far, written to/);
      expect(snap.status).toBe(0);
      const soFar = allowed(readProfile(path('snap.json')));
      expect(soFar.has('symlink')).toBe(true); // made by the exec'ed process
      expect(soFar.has('nanosleep') || soFar.has('clock_nanosleep')).toBe(true); // by sleep
      expect(existsSync(out)).toBe(false); // still running: no final profile yet
    } finally {
      podman(ws.hooksDir, ['rm', '-f', '-t', '0', id]);
    }
    expect(waitFor(out)).toBe(true);
    expect(allowed(readProfile(out)).has('symlink')).toBe(true);
  });

  it('snapshot of a container that is not traced says so', () => {
    const r = spawnSync('node', [CLI, 'snapshot', 'no-such-container'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/container "no-such-container" is not being traced \(no such container\)/);
  });

  it('covers a nested PID namespace the container unshares', () => {
    const out = path('nested.json');
    const cmd = ['unshare', '-p', '-f', 'sh', '-c', 'ln -s x /tmp/nested && echo $$'];
    const opts = { podmanArgs: ['--cap-add', 'SYS_ADMIN'] };
    const traced = trace(ws.hooksDir, out, cmd, opts);
    expect({ status: traced.status, stdout: traced.stdout }).toEqual({ status: 0, stdout: '1\n' }); // pid 1 of the nested namespace
    const names = allowed(readProfile(out));
    expect(names.has('unshare')).toBe(true);
    expect(names.has('symlink')).toBe(true); // made inside the nested namespace
    const replay = runUnder(ws.hooksDir, out, cmd, opts);
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: 0, stdout: '1\n' });
  });
});

describe('32-bit programs', () => {
  it('records an i386 binary under SCMP_ARCH_X86 with i386 names, and replays', () => {
    const out = path('i386.json');
    const traced = trace(ws.hooksDir, out, ['io32']);
    expect(traced.status).toBe(0);
    expect(traced.stdout).toBe('hello from i386\nsizeof(long)=4\n');
    const profile = readProfile(out);
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    // ugetrlimit and set_thread_area exist as i386 syscalls; ugetrlimit has no x86_64 twin.
    expect(allowed(profile).has('ugetrlimit')).toBe(true);
    const replay = runUnder(ws.hooksDir, out, ['io32']);
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: 0, stdout: traced.stdout });
  });
});
