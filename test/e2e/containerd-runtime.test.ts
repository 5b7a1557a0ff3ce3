/**
 * Tracing under containerd through the wrapper runtime (root, podman, Debian's containerd 1.6 and
 * docker.io: a private containerd, containerd-daemon.ts, and a private dockerd for the replay):
 *   1. `ctr run --runc-binary seccomp-gen-runtime --annotation io.containers.trace-syscall=of:…
 *      --seccomp` (containerd's default filter) writes a profile that replays identically under
 *      podman (runc, crun) and Docker, and refuses what the workload never did; without --seccomp
 *      (ctr's default: no filter) the profile says it fell back to the looser rule;
 *   2. Kubernetes' way, driven as the kubelet drives containerd's CRI (cri-client.ts): a pod on
 *      the runtime handler of examples/containerd/config.toml (BinaryName = the wrapper,
 *      pod_annotations) with a
 *      per-container key traces only that container, under RuntimeDefault, into the default
 *      /var/lib/seccomp-gen/<namespace>/; `seccomp-gen wait <of:>` returns once it is written;
 *      the profile, applied as Kubernetes applies one (Localhost), replays the container and
 *      refuses what it never did; an of: outside the pod's namespace directory is refused with
 *      the one line StartContainer returns.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KUBERNETES_DIR } from '../../src/policy/output-policy.js';
import { exampleHandler, startContainerd, type Containerd } from './containerd-daemon.js';
import { criClient, type CriClient, type PodConfig, type Seccomp } from './cri-client.js';
import { startDockerd, type DockerDaemon } from './docker-daemon.js';
import { ANNOTATION, CLI, IMAGE, ROOT, allowed, podman, readProfile, runUnder, useWorkspace, type TestRuntime } from './support.js';

const WRAPPER = join(ROOT, 'bin/seccomp-gen-runtime');
/** The sandbox (pause) container's image: the busybox image, sleeping. */
const PAUSE_IMAGE = 'localhost/seccomp-gen/cri-pause:test';
const NS = 'sg26'; // ctr's namespace
/** A workload whose output is the same under every engine (each puts its own mounts in /). */
const LS = ['ls', '/bin'];
const ws = useWorkspace();
let containerd: Containerd;
let docker: DockerDaemon;

function importImage(image: string, namespace: string): void {
  const tar = ws.path(`${image.replace(/\W+/g, '-')}.tar`);
  if (!existsSync(tar)) {
    const saved = podman(ws.hooksDir, ['save', '--quiet', '--format', 'docker-archive', '-o', tar, image]);
    if (saved.status !== 0) throw new Error(`podman save ${image}: ${saved.stderr}`);
  }
  const imported = containerd.ctr(['-n', namespace, 'image', 'import', tar]);
  if (imported.status !== 0) throw new Error(`ctr image import ${image}: ${imported.stderr}`);
}

beforeAll(async () => {
  if (podman(ws.hooksDir, ['image', 'exists', PAUSE_IMAGE]).status !== 0) {
    mkdirSync(ws.path('pause'));
    writeFileSync(ws.path('pause/Containerfile'), `FROM ${IMAGE}\nCMD ["sleep", "86400"]\n`);
    const built = podman(ws.hooksDir, ['build', '--quiet', '-t', PAUSE_IMAGE, ws.path('pause')]);
    if (built.status !== 0) throw new Error(`podman build ${PAUSE_IMAGE}: ${built.stderr}`);
  }
  // The handler users copy (examples/containerd/config.toml), with this checkout's wrapper.
  containerd = await startContainerd({ handler: { ...exampleHandler(), binary: WRAPPER }, sandboxImage: PAUSE_IMAGE });
  importImage(IMAGE, NS);
  importImage(IMAGE, 'k8s.io');
  importImage(PAUSE_IMAGE, 'k8s.io');
  docker = await startDockerd();
  const loaded = docker.docker(['load', '--quiet', '-i', ws.path(`${IMAGE.replace(/\W+/g, '-')}.tar`)]);
  if (loaded.status !== 0) throw new Error(`docker load: ${loaded.stderr}`);
});

afterAll(async () => {
  await containerd?.stop();
  await docker?.stop();
});

let n = 0;
const ctrRun = (args: string[], cmd: string[]) => containerd.ctr(['-n', NS, 'run', '--rm', '--runc-binary', WRAPPER, ...args, IMAGE, `sg-ctr-26-${n++}`, ...cmd]);

describe('ctr run --runc-binary seccomp-gen-runtime', () => {
  it('--annotation, under containerd\'s default filter: the profile replays under podman (runc, crun) and Docker, and refuses what it never did', () => {
    const out = ws.path('ctr-ls.json');
    const traced = ctrRun(['--seccomp', '--annotation', `${ANNOTATION}=of:${out}`], LS);
    expect(traced.status, traced.stderr).toBe(0);
    expect(traced.stdout).toContain('busybox');
    const profile = readProfile(out);
    expect(allowed(profile).has('getdents64')).toBe(true);
    expect(JSON.stringify(profile)).not.toMatch(/no seccomp filter/);
    for (const runtime of ['runc', 'crun'] as TestRuntime[]) {
      const r = runUnder(ws.hooksDir, out, LS, { runtime });
      expect({ runtime, status: r.status, stdout: r.stdout }).toEqual({ runtime, status: 0, stdout: traced.stdout });
    }
    const underDocker = docker.docker(['run', '--rm', '--network', 'none', '--security-opt', `seccomp=${out}`, IMAGE, ...LS]);
    expect({ status: underDocker.status, stdout: underDocker.stdout }).toEqual({ status: 0, stdout: traced.stdout });
    // never done while traced: refused under the profile, allowed under podman's default
    // (containerd's filter answers EPERM by default, and so does the profile traced under it)
    expect(profile.defaultErrnoRet).toBe(1);
    expect(runUnder(ws.hooksDir, out, ['mkdir', '/x']).stderr).toMatch(/mkdir: can't create directory '\/x': Operation not permitted/);
    expect(podman(ws.hooksDir, ['run', '--rm', IMAGE, 'mkdir', '/x']).status).toBe(0);
  });

  it('without --seccomp (ctr runs no filter): traced all the same, and the profile says it took the looser rule', () => {
    const out = ws.path('ctr-unfiltered.json');
    const traced = ctrRun(['--annotation', `${ANNOTATION}=of:${out}`], LS);
    expect(traced.status, traced.stderr).toBe(0);
    const profile = readProfile(out);
    expect(profile.syscalls.some((r) => /filter/i.test(r.comment ?? ''))).toBe(true);
    const replay = runUnder(ws.hooksDir, out, LS);
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: 0, stdout: traced.stdout });
  });

  it('a container that does not ask is not traced', () => {
    const before = readdirSync(ws.dir);
    expect(ctrRun(['--seccomp'], ['true']).status).toBe(0);
    expect(readdirSync(ws.dir)).toEqual(before);
  });
});

describe("Kubernetes on containerd: the CRI as the kubelet drives it", () => {
  let cri: CriClient;
  const namespace = `sg-26-${randomBytes(3).toString('hex')}`;
  const dir = join(DEFAULT_KUBERNETES_DIR, namespace);
  const logs = () => ws.path('pod-logs');
  const pod = (name: string, annotations: Record<string, string>): PodConfig => ({ name, namespace, uid: `${name}-${namespace}`, annotations, logDirectory: logs() });

  beforeAll(() => {
    mkdirSync(logs(), { recursive: true });
    cri = criClient(containerd.socket);
  });
  afterAll(() => {
    cri?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Run one pod with these containers to the end; their exit codes and stdout (from the CRI log). */
  async function runPod(config: PodConfig, containers: { name: string; command: string[]; seccomp: Seccomp }[], handler = 'seccomp-gen'): Promise<{ name: string; exitCode: number; stdout: string }[]> {
    const sandbox = await cri.runPodSandbox(config, handler);
    try {
      const out = [];
      for (const c of containers) {
        const logPath = `${config.name}-${c.name}.log`;
        const id = await cri.createContainer(sandbox, config, { ...c, image: IMAGE, logPath });
        await cri.startContainer(id);
        let status = await cri.containerStatus(id);
        for (let i = 0; i < 300 && status.state !== 'exited'; i++) {
          await sleep(100);
          status = await cri.containerStatus(id);
        }
        const stdout = readFileSync(join(config.logDirectory, logPath), 'utf8').split('\n').filter((l) => / stdout F /.test(l)).map((l) => l.replace(/^\S+ stdout F /, '')).join('\n');
        out.push({ name: c.name, exitCode: status.exitCode, stdout });
        await cri.removeContainer(id);
      }
      return out;
    } finally {
      await cri.stopPodSandbox(sandbox);
      await cri.removePodSandbox(sandbox);
    }
  }

  it('a pod with a per-container key: that container is traced, into its namespace\'s directory; its profile replays under Localhost and refuses what it never did', async () => {
    const out = join(dir, 'ls.json');
    const annotations = { [`${ANNOTATION}/ls`]: `of:${out}` };
    const traced = await runPod(pod('trace', annotations), [
      { name: 'ls', command: LS, seccomp: { type: 'RuntimeDefault' } },
      { name: 'other', command: ['true'], seccomp: { type: 'RuntimeDefault' } },
    ]);
    expect(traced.map((c) => c.exitCode)).toEqual([0, 0]);
    const waited = spawnSync('node', [CLI, 'wait', out, '--timeout', '60'], { encoding: 'utf8' });
    expect(waited.status, waited.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['ls.json']); // not the sandbox, not the other container
    expect(allowed(readProfile(out)).has('getdents64')).toBe(true);

    const replay = await runPod(pod('replay', {}), [
      { name: 'ls', command: LS, seccomp: { type: 'Localhost', path: out } },
      { name: 'mkdir', command: ['mkdir', '/x'], seccomp: { type: 'Localhost', path: out } },
      { name: 'mkdir-default', command: ['mkdir', '/x'], seccomp: { type: 'RuntimeDefault' } },
    ], 'runc');
    expect(replay[0]).toEqual({ name: 'ls', exitCode: 0, stdout: traced[0]!.stdout });
    expect(replay[1]!.exitCode).not.toBe(0); // refused by the profile…
    expect(replay[2]!.exitCode).toBe(0); // …which containerd's default allows
    const underPodman = runUnder(ws.hooksDir, out, LS);
    expect(underPodman.stdout.trim()).toBe(traced[0]!.stdout);
  });

  it('an of: outside the pod\'s namespace directory: the container is refused, saying where it may write', async () => {
    const error = await runPod(pod('escape', { [`${ANNOTATION}/c`]: `of:${ws.path('escape.json')}` }), [{ name: 'c', command: ['true'], seccomp: { type: 'RuntimeDefault' } }]).then(
      () => 'started',
      (e: Error) => e.message,
    );
    expect(error).toMatch(/seccomp-gen prestart: .*escape\.json: a Kubernetes pod writes its profile only under its own namespace's directory, \/var\/lib\/seccomp-gen\/sg-26-[0-9a-f]+\//);
    expect(existsSync(ws.path('escape.json'))).toBe(false);
  });
});
