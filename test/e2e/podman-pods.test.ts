/**
 * Podman pods, end to end (root, podman, catatonit for the pods' infra containers, the test user
 * sg-alice; test/setup.sh makes all of these). Podman puts CRI-O's ContainerType and SandboxID
 * annotations on every container of a pod, and `podman kube play` names a pod's container
 * `<pod>-<name>` with no io.kubernetes.container.name: such containers are Podman containers,
 * traced as `podman run` ones are, the starter's login uid deciding where the profile may go.
 * - a container of a `podman pod create` pod is traced and replays; as sg-alice (login uid) its
 *   profile goes into her directory and is hers;
 * - the shipped examples/kubernetes/pod-trace.yaml under `podman kube play` (its image made local,
 *   its output and pod name the test's own) traces the container its key names, which replays;
 *   in a pod of two, the other container is not traced and the log says why.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION, IMAGE, allowed, logLinesOf, podman, readProfile, result, runPlain, runUnder, useWorkspace, waitFor } from './support.js';

const ws = useWorkspace();
const POD = `sg-pod-${process.pid}`;
const KUBE_POD = `ls-trace-${process.pid}`;
/** Waits up to `ms` for `check` to hold; returns whether it did. */
function eventually(check: () => boolean, ms = 10_000): boolean {
  for (const end = Date.now() + ms; Date.now() < end; spawnSync('sleep', ['0.1'])) if (check()) return true;
  return check();
}
const example = (name: string) => readFileSync(fileURLToPath(new URL(`../../examples/kubernetes/${name}`, import.meta.url)), 'utf8');

beforeAll(() => {
  if (spawnSync('catatonit', ['--version']).error) throw new Error('Podman pods need catatonit: run sudo bash test/setup.sh');
});
afterAll(() => {
  for (const pod of [POD, KUBE_POD, `${KUBE_POD}-two`]) podman(ws.hooksDir, ['pod', 'rm', '-f', '-t0', '--ignore', pod]);
});

describe('a container of a Podman pod', () => {
  it('is traced as a Podman container, and replays under its profile', () => {
    expect(podman(ws.hooksDir, ['pod', 'create', '--name', POD]).status).toBe(0);
    const out = ws.path('pod-ls.json');
    const traced = podman(ws.hooksDir, ['run', '--rm', '--pod', POD, '--annotation', `${ANNOTATION}=of:${out}`, IMAGE, 'ls', '/']);
    expect(traced.stderr).toBe('');
    expect({ status: traced.status, stdout: traced.stdout }).toEqual({ status: 0, stdout: runPlain(ws.hooksDir, ['ls', '/']).stdout });
    expect(allowed(readProfile(out)).has('getdents64')).toBe(true);
    const replay = runUnder(ws.hooksDir, out, ['ls', '/'], { podmanArgs: ['--pod', POD] });
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: 0, stdout: traced.stdout });
  });

  it("the starter's login uid decides, as for podman run: sg-alice's profile goes into her directory and is hers", () => {
    const alice = Number(spawnSync('id', ['-u', 'sg-alice'], { encoding: 'utf8' }).stdout.trim());
    if (!alice) throw new Error('the test user sg-alice is missing: run sudo bash test/setup.sh');
    const own = mkdtempSync(join('/var/tmp', 'sg-pod-alice-'));
    try {
      chownSync(own, alice, alice);
      const out = join(own, 'ls.json');
      const args = ['--hooks-dir', ws.hooksDir, 'run', '--rm', '--pod', POD, '--annotation', `${ANNOTATION}=of:${out}`, IMAGE, 'true'];
      const r = result(spawnSync('sh', ['-c', `echo ${alice} > /proc/self/loginuid && exec podman "$@"`, 'sh', ...args], { encoding: 'utf8', timeout: 120_000, cwd: ws.dir }));
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(statSync(out).uid).toBe(alice);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});

describe('podman kube play of examples/kubernetes/pod-trace.yaml', () => {
  /** The shipped pod, with the local image, the test's output path and a pod name of its own. */
  function podYaml(out: string, name: string, extra = ''): string {
    const yaml = example('pod-trace.yaml')
      .replace(/image: docker\.io\/library\/busybox:1\.36/, `image: ${IMAGE}`)
      .replace(/"of:\/var\/lib\/seccomp-gen\/default\/ls\.json"/, `"of:${out}"`)
      .replace(/^ {2}name: ls-trace$/m, `  name: ${name}`);
    expect(yaml).toContain(`of:${out}`);
    expect(yaml).toContain(`image: ${IMAGE}`);
    return yaml + extra;
  }
  const play = (yaml: string, file: string) => {
    writeFileSync(ws.path(file), yaml);
    return podman(ws.hooksDir, ['kube', 'play', ws.path(file)]);
  };

  it('traces the container its key names (Podman names it <pod>-ls); the profile replays', () => {
    const out = ws.path('kube-ls.json');
    const played = play(podYaml(out, KUBE_POD), 'pod-trace.yaml');
    expect(played.status, played.stderr).toBe(0);
    // the pod's container exits after ls; its poststop (run by podman's cleanup) writes the profile
    expect(waitFor(out, 30_000), `no profile; log: ${logLinesOf(podman(ws.hooksDir, ['inspect', '--format', '{{.Id}}', `${KUBE_POD}-ls`]).stdout.trim()).join(' | ')}`).toBe(true);
    expect(allowed(readProfile(out)).has('getdents64')).toBe(true);
    const logs = podman(ws.hooksDir, ['logs', `${KUBE_POD}-ls`]);
    const replay = runUnder(ws.hooksDir, out, ['ls', '/']);
    expect({ status: replay.status, stdout: replay.stdout }).toEqual({ status: 0, stdout: logs.stdout });
  });

  it('in a pod of two containers, the other is not traced and the log says why', () => {
    const out = ws.path('kube-two-ls.json');
    const pod = `${KUBE_POD}-two`;
    const other = '    - name: other\n      image: ' + IMAGE + '\n      command: ["true"]\n';
    const played = play(podYaml(out, pod, other), 'pod-two.yaml');
    expect(played.status, played.stderr).toBe(0);
    expect(waitFor(out, 30_000)).toBe(true);
    const id = podman(ws.hooksDir, ['inspect', '--format', '{{.Id}}', `${pod}-other`]).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const declined = new RegExp(`prestart not-traced id=${id}: not traced: the trace keys name the containers "ls", and this container is "${pod}-other" \\(podman kube play names a pod's container <pod>-<name>\\)`);
    eventually(() => logLinesOf(id).some((l) => declined.test(l)));
    podman(ws.hooksDir, ['wait', `${pod}-other`]);
    eventually(() => false, 1000); // its poststop, run by podman's cleanup after the exit
    const lines = logLinesOf(id);
    expect(lines.join('\n')).toMatch(declined);
    expect(lines.filter((l) => / poststop (refused|written) /.test(l))).toEqual([]);
  });
});
