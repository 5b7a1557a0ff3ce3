/**
 * Tracing under Docker through the wrapper runtime (root, podman, Debian's docker.io 20.10: a
 * private dockerd, docker-daemon.ts). `seccomp-gen install --docker` registers seccomp-gen-runtime
 * in the daemon's --config-file and a SIGHUP makes dockerd load it; then, with real runc:
 *   1. an untraced container's config.json reaches runc byte for byte as dockerd wrote it (a
 *      runtime that keeps a copy before and one after the wrapper); a traced one differs only by
 *      the hooks, the annotation and the variable taken out of process.env, which the container
 *      never sees;
 *   2. every replay-suite workload, traced with `docker run --runtime seccomp-gen -e
 *      SECCOMP_GEN_TRACE=of:…` under Docker's default filter, gives the same stdout, stderr and
 *      exit code under plain `docker run --security-opt seccomp=` and under podman with runc and
 *      with crun;
 *   3. the argument probe traced so: every variant it never performed is refused by its profile,
 *      with the capabilities that make the kernel allow them, under Docker, podman runc and crun;
 *   4. a bad request, or an of: the write policy refuses (a daemon's container has no login uid:
 *      root's rules), stops the container with one line `docker run` shows;
 *   5. a detached container: status lists it, gc leaves it, snapshot finds it by its Docker name, wait returns
 *      once `docker kill` has had the poststop write its profile;
 *   6. Podman through the wrapper: a spec that carries our hooks (hooks.d) is not traced twice;
 *      SECCOMP_GEN_TRACE alone is traced by the wrapper;
 *   7. failOpen: a spec the wrapper cannot write runs untraced (with it) or is refused (without).
 * Prints the table: workload, syscalls, Docker replay, podman runc replay, podman crun replay.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerd, type DockerDaemon } from './docker-daemon.js';
import { ANNOTATION, CLI, IMAGE, RUN_DIR, ROOT, allowed, isolationEnv, podman, podmanWith, readProfile, runUnder, useWorkspace, waitFor, type Run, type TestRuntime } from './support.js';
import { DEBIAN_IMAGE, WORKLOADS } from './workloads.js';

const WRAPPER = join(ROOT, 'bin/seccomp-gen-runtime');
const ws = useWorkspace();
let daemon: DockerDaemon;
const table: string[] = [];

const cli = (args: string[], env: Record<string, string> = {}): Run => {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...daemon.env, ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

function loadImage(image: string): void {
  const tar = ws.path(`${image.replace(/\W+/g, '-')}.tar`);
  const saved = podman(ws.hooksDir, ['save', '--quiet', '--format', 'docker-archive', '-o', tar, image]);
  if (saved.status !== 0) throw new Error(`podman save ${image}: ${saved.stderr}`);
  const loaded = daemon.docker(['load', '--quiet', '-i', tar]);
  if (loaded.status !== 0) throw new Error(`docker load ${image}: ${loaded.stderr}`);
}

/** A runtime for dockerd that keeps the spec it was given in `dir/<tag>-<container id>.json`, then execs `next`. */
function specKeeper(name: string, tag: string, next: string): string {
  const path = ws.path(name);
  writeFileSync(
    path,
    `#!/bin/sh\nb= prev=\nfor a do [ "$prev" = --bundle ] && b=$a; prev=$a; done\n[ -n "$b" ] && cp "$b/config.json" "${ws.dir}/${tag}-\${b##*/}.json"\nexec ${next} "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

const dockerRun = (args: string[], image = IMAGE, cmd: string[] = []) => daemon.docker(['run', '--rm', '--network', 'none', ...args, image, ...cmd]);
const traceArgs = (out: string, runtime = 'seccomp-gen') => ['--runtime', runtime, '-e', `SECCOMP_GEN_TRACE=of:${out}`];

beforeAll(async () => {
  const config = ws.path('daemon.json');
  writeFileSync(config, '{}\n');
  daemon = await startDockerd(['--config-file', config]);
  // What an administrator does: install --docker, then reload dockerd.
  const installed = cli(['install', '--hooks-dir', ws.path('hooks-installed.d'), '--docker', '--docker-config', config]);
  if (installed.status !== 0) throw new Error(`install --docker: ${installed.stderr}`);
  // Beside it, the same wrapper between two spec keepers (test 1).
  const after = specKeeper('keep-after', 'after', 'runc');
  const doc = JSON.parse(readFileSync(config, 'utf8')) as { runtimes: Record<string, unknown> };
  doc.runtimes['sg-observed'] = { path: specKeeper('keep-before', 'before', `${WRAPPER} --real-runtime=${after}`) };
  writeFileSync(config, JSON.stringify(doc));
  daemon.reload();
  for (let i = 0; i < 100 && !/seccomp-gen.*sg-observed|sg-observed.*seccomp-gen/.test(daemon.docker(['info', '--format', '{{json .Runtimes}}']).stdout); i++) spawnSync('sleep', ['0.1']);
  loadImage(IMAGE);
  loadImage(DEBIAN_IMAGE);
});

afterAll(async () => {
  if (table.length) console.log([`Traced under Docker ${daemon.version} through seccomp-gen-runtime (runc):`, '| workload | syscalls | docker run replay | podman runc | podman crun |', '| --- | --- | --- | --- | --- |', ...table].join('\n'));
  await daemon?.stop();
});

describe('install --docker', () => {
  it('registers the runtime in daemon.json; a SIGHUP and dockerd has it', () => {
    const runtimes = JSON.parse(daemon.docker(['info', '--format', '{{json .Runtimes}}']).stdout) as Record<string, { path: string }>;
    expect(runtimes['seccomp-gen']?.path).toBe(WRAPPER);
  });
});

describe('the spec runc gets', () => {
  const spec = (tag: string, id: string) => readFileSync(ws.path(`${tag}-${id}.json`), 'utf8');
  const idOf = (r: Run) => r.stdout.trim().split('\n').pop()!;

  it('is byte for byte what dockerd wrote, for a container that does not ask to be traced', () => {
    const r = daemon.docker(['run', '-d', '--network', 'none', '--runtime', 'sg-observed', IMAGE, 'true']);
    expect(r.status, r.stderr).toBe(0);
    const id = idOf(r);
    expect(waitFor(ws.path(`after-${id}.json`))).toBe(true);
    expect(spec('after', id)).toBe(spec('before', id));
    daemon.docker(['rm', '-f', id]);
  });

  it('differs, for a traced one, only by our hooks, the annotation and the variable the container never sees', () => {
    const out = ws.path('env.json');
    const r = daemon.docker(['run', '--network', 'none', '--runtime', 'sg-observed', '-e', `SECCOMP_GEN_TRACE=of:${out}`, '--name', 'sg-env-26', IMAGE, 'env']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('SECCOMP_GEN_TRACE');
    const id = daemon.docker(['inspect', '--format', '{{.Id}}', 'sg-env-26']).stdout.trim();
    daemon.docker(['rm', '-f', 'sg-env-26']);
    const before = JSON.parse(spec('before', id)) as Record<string, unknown> & { process: { env: string[] }; hooks: { prestart: unknown[] } };
    const after = JSON.parse(spec('after', id)) as typeof before & { hooks: { poststop: unknown[] }; annotations: Record<string, string> };
    expect(before.process.env).toContain(`SECCOMP_GEN_TRACE=of:${out}`);
    expect(after.process.env).toEqual(before.process.env.filter((e) => !e.startsWith('SECCOMP_GEN_TRACE=')));
    expect(after.annotations).toEqual({ [ANNOTATION]: `of:${out}` });
    expect(after.hooks.prestart.slice(0, -1)).toEqual(before.hooks.prestart); // Docker's own libnetwork-setkey first
    for (const stage of ['prestart', 'poststop'] as const) expect(after.hooks[stage].at(-1)).toMatchObject({ args: ['node', join(ROOT, 'dist/hook/main.cjs'), stage] });
    const strip = (s: Record<string, unknown>) => ({ ...s, process: { ...(s.process as object), env: [] }, hooks: undefined, annotations: undefined });
    expect(strip(after)).toEqual(strip(before));
    expect(allowed(readProfile(out)).has('execve')).toBe(true);
  });
});

describe('profiles traced under Docker', () => {
  it.each(WORKLOADS)('$name: traced with docker run --runtime seccomp-gen, replays identically under docker run and podman (runc, crun)', (w) => {
    const out = ws.path(`${w.name.replace(/\W+/g, '-')}.docker.json`);
    const traced = dockerRun(traceArgs(out), DEBIAN_IMAGE, w.cmd);
    expect(traced.status, traced.stderr).toBe(0);
    const waited = cli(['wait', out]); // docker run returns after the delete here: nothing left to wait for
    expect(waited.status, waited.stderr).toBe(0);
    const underDocker = dockerRun(['--security-opt', `seccomp=${out}`], DEBIAN_IMAGE, w.cmd);
    const underPodman = (['runc', 'crun'] as TestRuntime[]).map((runtime) => runUnder(ws.hooksDir, out, w.cmd, { image: DEBIAN_IMAGE, runtime }));
    const same = (r: Run) => (r.status === traced.status && r.stdout === traced.stdout ? 'pass' : `FAIL (${r.status}: ${r.stderr.trim().split('\n').pop()})`);
    table.push(`| ${w.name} | ${allowed(readProfile(out)).size} | ${same(underDocker)} | ${underPodman.map(same).join(' | ')} |`);
    expect({ status: underDocker.status, stdout: underDocker.stdout, stderr: underDocker.stderr }).toEqual({ status: traced.status, stdout: traced.stdout, stderr: traced.stderr });
    for (const r of underPodman) expect({ status: r.status, stdout: r.stdout }).toEqual({ status: traced.status, stdout: traced.stdout });
  });

  it('refuses, in names and arguments, every variant the argument probe never performed (Docker, podman runc and crun)', () => {
    const probe = ws.path('argument-probe');
    spawnSync('gcc', ['-static', '-O2', '-o', probe, join(ROOT, 'test/fixtures/probe/argument-probe.c')]);
    const mount = ['-v', `${probe}:/probe:ro`];
    const out = ws.path('probe.docker.json');
    const traced = dockerRun([...mount, ...traceArgs(out)], IMAGE, ['/probe']);
    expect(traced.status, traced.stderr).toBe(0);
    const lines = (r: Run) => {
      expect(r.status, r.stderr).toBe(0);
      return new Map(r.stdout.trim().split('\n').map((l) => l.split(' ')).map(([k, e]) => [k!, Number(e)]));
    };
    const legit = new Set(lines(traced).keys());
    const caps = ['SYS_ADMIN', 'NET_RAW', 'NET_ADMIN', 'SYS_TTY_CONFIG'];
    const kernel = lines(dockerRun([...mount, '--security-opt', 'seccomp=unconfined', ...caps.flatMap((c) => ['--cap-add', c])], IMAGE, ['/probe', 'attempt']));
    const attempts = [...kernel.keys()].filter((k) => !legit.has(k));
    expect(attempts.length).toBeGreaterThanOrEqual(20);
    expect(attempts.filter((k) => kernel.get(k) === 0).length).toBeGreaterThanOrEqual(14); // the kernel alone lets them through
    const profileErrno = readProfile(out).defaultErrnoRet ?? 1;
    const runs: [string, Map<string, number>, number][] = [
      ['docker', lines(dockerRun([...mount, '--security-opt', `seccomp=${out}`, ...caps.flatMap((c) => ['--cap-add', c])], IMAGE, ['/probe', 'attempt'])), daemon.major >= 23 ? profileErrno : 1],
      ...(['runc', 'crun'] as TestRuntime[]).map((runtime): [string, Map<string, number>, number] => [
        `podman ${runtime}`,
        lines(podmanWith(runtime, ws.hooksDir, ['run', '--rm', ...mount, '--security-opt', `seccomp=${out}`, '--cap-add', caps.join(','), IMAGE, '/probe', 'attempt'])),
        profileErrno,
      ]),
    ];
    for (const [where, got, errno] of runs) expect([where, attempts.filter((k) => got.get(k) !== errno)]).toEqual([where, []]);
  });
});

describe('refusals docker run shows', () => {
  it('a malformed request, from the wrapper', () => {
    const r = dockerRun(['--runtime', 'seccomp-gen', '-e', 'SECCOMP_GEN_TRACE=of:relative.json'], IMAGE, ['true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('OCI runtime create failed: seccomp-gen-runtime: SECCOMP_GEN_TRACE (the environment\'s io.containers.trace-syscall): "of:relative.json" is not an absolute path');
  });

  it('an of: the write policy refuses, from prestart: a daemon-started container has no login uid, so root\'s rules', () => {
    const r = dockerRun(traceArgs('/etc/sg-26-victim.json'), IMAGE, ['true']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/seccomp-gen prestart: \/etc\/sg-26-victim\.json: refusing to write, as root, into \/etc/);
    expect(existsSync('/etc/sg-26-victim.json')).toBe(false);
  });
});

describe('a detached container', () => {
  it('is listed by status, found by its Docker name by snapshot, and waited for until its profile is written', async () => {
    const out = ws.path('detached.json');
    const started = daemon.docker(['run', '-d', '--network', 'none', ...traceArgs(out), '--name', 'sg-detached-26', IMAGE, 'sh', '-c', 'ls / >/dev/null; exec sleep 60']);
    expect(started.status, started.stderr).toBe(0);
    const id = started.stdout.trim();
    try {
      const stateOf = () => (JSON.parse(cli(['status', '--json']).stdout) as { targets: { id: string; state: string }[] }).targets.find((t) => t.id === id)?.state;
      expect(stateOf()).toBe('tracing');
      expect(cli(['gc']).status).toBe(0);
      expect(stateOf()).toBe('tracing'); // gc knows it is alive
      spawnSync('sleep', ['0.5']); // ls has run
      const snap = cli(['snapshot', 'sg-detached-26', '-o', ws.path('so-far.json')]);
      expect(snap.status, snap.stderr).toBe(0);
      expect(allowed(readProfile(ws.path('so-far.json'))).has('getdents64')).toBe(true);
      expect(existsSync(out)).toBe(false);
      const waiting = new Promise<Run>((resolve) => {
        const child = spawn('node', [CLI, 'wait', 'sg-detached-26', '--timeout', '60'], { env: { ...process.env, ...daemon.env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (s) => resolve({ status: s ?? -1, stdout, stderr }));
      });
      spawnSync('sleep', ['1']);
      expect(daemon.docker(['kill', 'sg-detached-26']).status).toBe(0);
      const waited = await waiting;
      expect(waited, waited.stderr).toMatchObject({ status: 0, stdout: `${id}: profile written to ${out}\n` });
      expect(allowed(readProfile(out)).has('getdents64')).toBe(true);
      expect(existsSync(join(RUN_DIR, 'targets', `${id}.json`))).toBe(false);
    } finally {
      daemon.docker(['rm', '-f', 'sg-detached-26']);
    }
  });
});

describe('Podman through the wrapper', () => {
  // conmon gives the runtime no environment of podman's: the test's isolation settings go in a
  // script in front of the wrapper, as an administrator's own settings would.
  const viaWrapper = (args: string[]) => {
    const runtime = ws.path('sg-runtime-26');
    const settings = isolationEnv().map((e) => `export '${e.replace(/'/g, "'\\''")}'\n`).join('');
    writeFileSync(runtime, `#!/bin/sh\n${settings}exec ${WRAPPER} "$@"\n`);
    chmodSync(runtime, 0o755);
    return podman(ws.hooksDir, ['--runtime', runtime, 'run', '--rm', ...args, IMAGE, 'ls', '/']);
  };
  const logLines = () => (existsSync(process.env.SECCOMP_GEN_LOG ?? '/var/log/seccomp-gen.log') ? readFileSync(process.env.SECCOMP_GEN_LOG ?? '/var/log/seccomp-gen.log', 'utf8') : '');

  it('traces once a spec that already carries our hooks (hooks.d), and traces SECCOMP_GEN_TRACE alone itself', () => {
    const hooked = ws.path('podman-hooked.json');
    const before = logLines().length;
    const r = viaWrapper(['--annotation', `${ANNOTATION}=of:${hooked}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(allowed(readProfile(hooked)).has('getdents64')).toBe(true);
    const lines = logLines().slice(before);
    expect(lines).toMatch(/ runtime hooked .*traced by them/);
    expect(lines.match(/ prestart traced /g)).toHaveLength(1);
    const byEnv = ws.path('podman-env.json');
    expect(viaWrapper(['-e', `SECCOMP_GEN_TRACE=of:${byEnv}`]).status).toBe(0);
    expect(allowed(readProfile(byEnv)).has('getdents64')).toBe(true);
  });
});

describe('failOpen', () => {
  it('a spec the wrapper cannot write: refused, or with failOpen run untraced, saying so', () => {
    const bundle = ws.path('ro-bundle');
    mkdirSync(bundle);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'sg-ro-26', bundle]).status).toBe(0);
    try {
      writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: { env: [`SECCOMP_GEN_TRACE=of:${ws.path('ro.json')}`] } }));
      expect(spawnSync('mount', ['-o', 'remount,ro', bundle]).status).toBe(0);
      const config = ws.path('fail-open.json');
      writeFileSync(config, JSON.stringify({ failOpen: true }));
      const wrap = (env: Record<string, string>) => spawnSync(WRAPPER, ['--real-runtime=/bin/true', 'create', '--bundle', bundle, 'c-ro-26'], { encoding: 'utf8', env: { ...process.env, ...env } });
      const refused = wrap({ SECCOMP_GEN_CONFIG: ws.path('no-such-config.json') });
      expect({ status: refused.status, stderr: refused.stderr }).toEqual({ status: 1, stderr: `seccomp-gen-runtime: ${bundle}/config.json: cannot write (EROFS)\n` });
      const open = wrap({ SECCOMP_GEN_CONFIG: config });
      expect(open.status).toBe(0);
      expect(open.stderr).toBe(`seccomp-gen-runtime: warning: container c-ro-26 runs UNTRACED (failOpen): ${bundle}/config.json: cannot write (EROFS)\n`);
    } finally {
      spawnSync('umount', [bundle]);
    }
  });
});
