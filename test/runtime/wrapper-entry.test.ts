/**
 * bin/seccomp-gen-runtime, the wrapper's sh entry, in front of a fake real runtime (a script that
 * writes down its argv and environment): what every engine command reaches the real runtime as,
 * when Node is started (a `node` first on PATH that says so), and what happens to the spec.
 * No root, but the build (dist/runtime/main.js): npm run build first. The real engines, runc and
 * the hooks are in test/e2e/docker-runtime.test.ts and containerd-runtime.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WRAPPER = fileURLToPath(new URL('../../bin/seccomp-gen-runtime', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/runtime/main.js', import.meta.url));
const ANNOTATION = 'io.containers.trace-syscall';

let dir: string;
let fake: string;
let bin: string;
beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: this test runs the built wrapper, npm run build first`);
  dir = mkdtempSync(join(tmpdir(), 'sg-wrapper-'));
  fake = join(dir, 'fake-runc');
  writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/argv"\nprintf '%s\\n' "wrapped=$SECCOMP_GEN_WRAPPED" > "${dir}/env"\nexit 7\n`);
  chmodSync(fake, 0o755);
  bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'node'), `#!/bin/sh\necho started >> "${dir}/node-started"\nexec "${process.execPath}" "$@"\n`);
  chmodSync(join(bin, 'node'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  status: number;
  stderr: string;
  /** The argv the real runtime got, or undefined when it did not run. */
  argv?: string[];
  nodeStarted: boolean;
}

function wrapper(args: string[], env: Record<string, string> = {}, cwd = dir): Result {
  for (const f of ['argv', 'env', 'node-started']) rmSync(join(dir, f), { force: true });
  const r = spawnSync(WRAPPER, args, {
    encoding: 'utf8',
    cwd,
    env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, SECCOMP_GEN_RUNTIME: fake, SECCOMP_GEN_LOG: join(dir, 'sg.log'), SECCOMP_GEN_CONFIG: join(dir, 'no-config.json'), ...env },
  });
  const argvFile = join(dir, 'argv');
  return {
    status: r.status ?? -1,
    stderr: r.stderr,
    ...(existsSync(argvFile) ? { argv: readFileSync(argvFile, 'utf8').split('\n').slice(0, -1) } : {}),
    nodeStarted: existsSync(join(dir, 'node-started')),
  };
}

function bundle(name: string, spec: unknown): string {
  const b = join(dir, name);
  mkdirSync(b, { recursive: true });
  writeFileSync(join(b, 'config.json'), typeof spec === 'string' ? spec : JSON.stringify(spec));
  return b;
}

const traced = { ociVersion: '1.0.2', process: { args: ['ls'], env: ['PATH=/bin', 'SECCOMP_GEN_TRACE=of:/tmp/x.json'] }, root: { path: 'rootfs' } };
const GLOBALS = ['--root', '/run/docker/runtime-runc/moby', '--log', '/dev/null', '--log-format', 'json'];

describe('every command but create and run goes straight to the real runtime, without Node', () => {
  it.each([
    [['--version']],
    [['features']],
    [[...GLOBALS, 'start', 'c1']],
    [[...GLOBALS, 'state', 'c1']],
    [[...GLOBALS, 'kill', 'c1', '9']],
    [[...GLOBALS, 'delete', '--force', 'c1']],
    [[...GLOBALS, '--systemd-cgroup', 'exec', '--process', '/tmp/p.json', '--detach', 'c1']],
    [['--root', '/a b', 'events', '--stats', 'c 1']],
    [['ps', '--format', 'json', 'create']],
  ])('%j, argv unchanged, exit status passed on', (args) => {
    const r = wrapper(args);
    expect(r).toMatchObject({ status: 7, argv: args, nodeStarted: false });
    expect(readFileSync(join(dir, 'env'), 'utf8')).toBe('wrapped=1\n');
  });
});

describe('create and run', () => {
  it('leave an untraced container\'s spec byte for byte, and start no Node', () => {
    const text = '{ "ociVersion": "1.0.2",\n  "process": {"env": ["PATH=/bin"]}, "annotations": {"x": "y"} }';
    const b = bundle('plain', text);
    const before = statSync(join(b, 'config.json'));
    for (const args of [[...GLOBALS, 'create', '--bundle', b, '--pid-file', '/tmp/p', 'c1'], ['run', '-b', b, '-d', 'c1']]) {
      expect(wrapper(args)).toMatchObject({ status: 7, argv: args, nodeStarted: false });
    }
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe(text);
    expect(statSync(join(b, 'config.json')).mtimeMs).toBe(before.mtimeMs);
  });

  it.each([
    ['--bundle B', (b: string) => [...GLOBALS, 'create', '--bundle', b, '--pid-file', '/p', 'c1']],
    ['--bundle=B', (b: string) => ['create', `--bundle=${b}`, 'c1']],
    ['-b B (runc)', (b: string) => ['-root', '/r', 'run', '-b', b, '--detach', 'c1']],
    ['-bB (crun)', (b: string) => ['--root=/r', '--log-format=json', 'create', `-b${b}`, 'c1']],
    ['options after the id (crun)', (b: string) => ['create', 'c1', '--bundle', b]],
    ['the bundle as the working directory', (b: string) => ['--log', '/dev/null', 'create', '--pid-file', `${b}/pid`, 'c1']],
  ])('find the bundle given as %s, trace it, and hand the real runtime the same argv', (_how, argsOf) => {
    const b = bundle(`b-${_how.replace(/\W+/g, '')}`, traced);
    const args = argsOf(b);
    const r = wrapper(args, {}, b);
    expect(r).toMatchObject({ status: 7, argv: args, nodeStarted: true });
    const spec = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8')) as { process: { env: string[] }; annotations: Record<string, string>; hooks: { prestart: { args: string[] }[] } };
    expect(spec.process.env).toEqual(['PATH=/bin']);
    expect(spec.annotations[ANNOTATION]).toBe('of:/tmp/x.json');
    expect(spec.hooks.prestart.map((h) => h.args.slice(1))).toEqual([[fileURLToPath(new URL('../../dist/hook/main.cjs', import.meta.url)), 'prestart']]);
  });

  it("crun's --config FILE, relative to the bundle", () => {
    const b = bundle('crun-config', { ociVersion: '1.0.2' });
    writeFileSync(join(b, 'other.json'), JSON.stringify(traced));
    expect(wrapper(['create', '--bundle', b, '--config', 'other.json', 'c1'])).toMatchObject({ status: 7, nodeStarted: true });
    expect(readFileSync(join(b, 'other.json'), 'utf8')).toContain('"hooks"');
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe('{"ociVersion":"1.0.2"}');
  });

  it('pass SECCOMP_GEN_* settings on to the hooks, but not the wrapper\'s own', () => {
    const b = bundle('hook-env', traced);
    wrapper(['create', '--bundle', b, 'c1'], { SECCOMP_GEN_RUN_DIR: '/run/sg-x', SECCOMP_GEN_PIN_DIR: '/sys/fs/bpf/sg-x' });
    const spec = JSON.parse(readFileSync(join(b, 'config.json'), 'utf8')) as { hooks: { poststop: { env: string[] }[] } };
    expect(spec.hooks.poststop[0]!.env).toEqual([`SECCOMP_GEN_CONFIG=${join(dir, 'no-config.json')}`, `SECCOMP_GEN_LOG=${join(dir, 'sg.log')}`, 'SECCOMP_GEN_PIN_DIR=/sys/fs/bpf/sg-x', 'SECCOMP_GEN_RUN_DIR=/run/sg-x', expect.stringMatching(/^PATH=/)]);
  });
});

describe('refusals: one line on stderr and in the runtime log the engine reads; the spec untouched', () => {
  const logged = (log: string) => readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string });

  it.each([
    ['a malformed request', '{"process":{"env":["SECCOMP_GEN_TRACE=of:x.json"]}}', /SECCOMP_GEN_TRACE \(the environment's io\.containers\.trace-syscall\): "of:x\.json" is not an absolute path/],
    ['a malformed config.json', '{"process":{"env":["SECCOMP_GEN_TRACE=of:/x.json"]}', /not valid JSON \(line 1, column 52\)/],
    ['a spec that is not an OCI config', '{"process":{"env":"SECCOMP_GEN_TRACE=of:/x.json"}}', /not an OCI runtime config \(process\.env is not an array\)/],
  ])('%s', (_what, text, message) => {
    const b = bundle(`bad-${_what.replace(/\W+/g, '')}`, text);
    const log = join(b, 'log.json');
    const r = wrapper(['--log', log, '--log-format', 'json', 'create', '--bundle', b, 'c1']);
    expect(r.status).toBe(1);
    expect(r.argv).toBeUndefined();
    expect(r.stderr).toMatch(new RegExp(`^seccomp-gen-runtime: (\\S+: )?${message.source}`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(logged(log)).toEqual([{ level: 'error', msg: expect.stringMatching(message), time: expect.any(String) }]);
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe(text);
  });

  it('a missing bundle, a spec that is a symlink', () => {
    const missing = wrapper(['create', '--bundle', join(dir, 'nonesuch'), 'c1']);
    expect(missing).toMatchObject({ status: 1, nodeStarted: true });
    expect(missing.stderr).toMatch(/^seccomp-gen-runtime: \S+\/nonesuch\/config\.json: directory \S+\/nonesuch does not exist\n$/);
    const b = bundle('symlink', '{}');
    writeFileSync(join(b, 'real.json'), JSON.stringify(traced));
    rmSync(join(b, 'config.json'));
    spawnSync('ln', ['-s', 'real.json', join(b, 'config.json')]);
    const link = wrapper(['create', '--bundle', b, 'c1']);
    expect(link.status).toBe(1);
    expect(link.stderr).toMatch(/config\.json: is a symlink; refusing to write through it/);
    expect(readFileSync(join(b, 'real.json'), 'utf8')).toBe(JSON.stringify(traced));
  });

  it('an unknown real runtime, or the wrapper as its own real runtime (no exec loop)', () => {
    const log = join(dir, 'runtime-log.txt');
    const unknown = wrapper(['--log', log, 'state', 'c1'], { SECCOMP_GEN_RUNTIME: 'nonesuch-runtime' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^seccomp-gen-runtime: the real runtime "nonesuch-runtime" is not on PATH/);
    expect(readFileSync(log, 'utf8')).toMatch(/^level=error msg="seccomp-gen-runtime: the real runtime \\"nonesuch-runtime\\" is not on PATH/);
    expect(wrapper(['--real-runtime=relative/runc', 'state', 'c1']).stderr).toMatch(/must be a name on PATH \(runc, crun\) or an absolute path/);
    expect(wrapper(['--real-runtime=/nonesuch', 'state', 'c1']).stderr).toMatch(/the real runtime \/nonesuch is not an executable file/);
    const loop = wrapper(['state', 'c1'], { SECCOMP_GEN_RUNTIME: WRAPPER, SECCOMP_GEN_WRAPPED: '' });
    expect(loop.status).toBe(1);
    expect(loop.stderr).toMatch(/is seccomp-gen-runtime itself/);
  });

  it('--real-runtime=X first in argv (Docker runtimeArgs) wins over SECCOMP_GEN_RUNTIME, and is not passed on', () => {
    const r = wrapper([`--real-runtime=${fake}`, '--root', '/r', 'state', 'c1'], { SECCOMP_GEN_RUNTIME: 'nonesuch-runtime' });
    expect(r).toMatchObject({ status: 7, argv: ['--root', '/r', 'state', 'c1'] });
  });
});
