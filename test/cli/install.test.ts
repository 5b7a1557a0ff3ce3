import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { install, uninstall } from '../../src/cli/commands/install.js';
import { renderHooks } from '../../src/hooks/definitions.js';
import { ANNOTATION } from '../../src/oci/annotation.js';
import { SeccompGenError } from '../../src/errors.js';

const FILES = ['seccomp-gen-poststop.json', 'seccomp-gen-prestart.json'];

interface HookDoc {
  version: string;
  hook: { path: string; args: string[]; timeout?: number };
  when: { annotations: Record<string, string> };
  stages: string[];
}

let dir: string;
let out: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-hooks-'));
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as HookDoc;

describe('seccomp-gen install', () => {
  it('writes the prestart and poststop hook files with absolute paths', async () => {
    expect(await install.run(['--hooks-dir', dir])).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(FILES);
    for (const stage of ['prestart', 'poststop']) {
      const doc = read(`seccomp-gen-${stage}.json`);
      expect(doc.version).toBe('1.0.0');
      expect(doc.stages).toEqual([stage]);
      expect(doc.hook.path).toBe(process.execPath);
      expect(isAbsolute(doc.hook.path)).toBe(true);
      const [argv0, entry, arg] = doc.hook.args;
      expect(argv0).toBe('node');
      expect(isAbsolute(entry ?? '')).toBe(true);
      expect(entry).toMatch(/\/hook\/main\.cjs$/);
      expect(arg).toBe(stage);
      expect(JSON.stringify(doc)).not.toMatch(/@NODE@|@HOOK@/);
      expect(statSync(join(dir, `seccomp-gen-${stage}.json`)).mode & 0o777).toBe(0o644);
    }
    expect(out.join('')).toBe(FILES.map((f) => `installed ${join(dir, f)}\n`).join(''));
  });

  it('runs the hooks for exactly the io.containers.trace-syscall annotation, and its per-container keys (CRI-O)', async () => {
    await install.run(['--hooks-dir', dir]);
    for (const file of FILES) {
      const annotations = Object.entries(read(file).when.annotations);
      expect(annotations).toHaveLength(1);
      const [[keyPattern, valuePattern]] = annotations as [[string, string]];
      const key = new RegExp(keyPattern);
      expect(key.test(ANNOTATION)).toBe(true);
      expect(key.test('io.containersXtrace-syscall')).toBe(false);
      expect(key.test(`${ANNOTATION}.extra`)).toBe(false);
      expect(key.test(`x.${ANNOTATION}`)).toBe(false);
      expect(key.test(`${ANNOTATION}/web`)).toBe(true);
      expect(new RegExp(valuePattern).test('of:/tmp/out.json')).toBe(true);
    }
  });

  it('creates a missing hooks directory', async () => {
    const nested = join(dir, 'a', 'hooks.d');
    expect(await install.run(['--hooks-dir', nested])).toBe(0);
    expect(readdirSync(nested).sort()).toEqual(FILES);
  });

  it('resolves a relative --hooks-dir, and installing twice replaces the files', async () => {
    const cwd = process.cwd();
    await install.run(['--hooks-dir', relative(cwd, dir)]);
    writeFileSync(join(dir, FILES[0] as string), 'stale');
    await install.run([`--hooks-dir=${dir}`]);
    expect(read(FILES[0] as string).stages).toEqual(['poststop']);
    expect(out.every((line) => line.includes(dir))).toBe(true);
  });

  it('refuses unknown options and arguments', () => {
    for (const args of [['--hooks'], ['extra'], ['--hooks-dir']]) {
      let error: unknown;
      try {
        install.run(args);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SeccompGenError);
      expect((error as SeccompGenError).code).toBe('USAGE');
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('seccomp-gen uninstall', () => {
  it('removes the hook files and nothing else', async () => {
    await install.run(['--hooks-dir', dir]);
    writeFileSync(join(dir, 'other-hook.json'), '{}');
    out = [];
    expect(await uninstall.run(['--hooks-dir', dir])).toBe(0);
    expect(readdirSync(dir)).toEqual(['other-hook.json']);
    expect(out.join('')).toBe(FILES.map((f) => `removed ${join(dir, f)}\n`).join(''));
  });

  it('is quiet and succeeds when nothing is installed', async () => {
    expect(await uninstall.run(['--hooks-dir', dir])).toBe(0);
    expect(await uninstall.run(['--hooks-dir', join(dir, 'missing')])).toBe(0);
    expect(out).toEqual([]);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });
});

describe('renderHooks', () => {
  it('fills in the given node and entry paths', () => {
    const docs = renderHooks('/opt/node/bin/node', '/opt/sg/dist/hooks/main.js');
    expect([...docs.keys()].sort()).toEqual(FILES);
    for (const doc of docs.values()) {
      expect((doc as HookDoc).hook.path).toBe('/opt/node/bin/node');
      expect((doc as HookDoc).hook.args[1]).toBe('/opt/sg/dist/hooks/main.js');
    }
  });

  it('takes paths with characters special to String.replace literally', () => {
    const doc = renderHooks('/opt/n$&de/node', "/opt/sg$'/main.js").get(FILES[1] as string) as HookDoc;
    expect(doc.hook.path).toBe('/opt/n$&de/node');
    expect(doc.hook.args[1]).toBe("/opt/sg$'/main.js");
  });

  it('install --timeout and --env set the hook timeout and environment (with a PATH), and refuse nonsense', async () => {
    await install.run(['--hooks-dir', dir, '--timeout', '4', '--env', 'SECCOMP_GEN_CONFIG=/tmp/c.json']);
    for (const f of FILES) {
      const doc = read(f) as HookDoc & { hook: { env?: string[] } };
      expect(doc.hook.timeout).toBe(4);
      expect(doc.hook.env).toEqual(['SECCOMP_GEN_CONFIG=/tmp/c.json', expect.stringMatching(/^PATH=.*\/usr\/bin/)]);
    }
    await install.run(['--hooks-dir', dir]);
    expect(read(FILES[0]!).hook.timeout).toBe(10);
    for (const bad of [['--timeout', '0'], ['--timeout', '1.5'], ['--timeout', 'x'], ['--env', 'LD_PRELOAD=/x.so'], ['--env', 'SECCOMP_GEN_X']]) {
      expect(() => install.run(['--hooks-dir', dir, ...bad])).toThrow(SeccompGenError);
    }
  });
});

const hooks = () => ['--hooks-dir', join(dir, 'hooks.d')];
const WRAPPER = fileURLToPath(new URL('../../bin/seccomp-gen-runtime', import.meta.url));

describe('seccomp-gen install --docker / uninstall --docker', () => {
  it("registers this installation's wrapper in daemon.json, says to restart dockerd, and uninstall takes it out again", async () => {
    const config = join(dir, 'etc-docker', 'daemon.json');
    expect(await install.run([...hooks(), '--docker', '--docker-config', config, '--real-runtime', 'crun'])).toBe(0);
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ runtimes: { 'seccomp-gen': { path: WRAPPER, runtimeArgs: ['--real-runtime=crun'] } } });
    expect(statSync(config).mode & 0o777).toBe(0o644);
    expect(out.join('')).toMatch(/added runtime seccomp-gen[\s\S]*restart it \(systemctl restart docker\), or send it SIGHUP/);
    expect(existsSync(join(dir, 'hooks.d', 'seccomp-gen-prestart.json'))).toBe(true);
    expect(await uninstall.run([...hooks(), '--docker', '--docker-config', config])).toBe(0);
    expect(existsSync(config)).toBe(false);
  });

  it("keeps the administrator's file and its mode", async () => {
    const config = join(dir, 'daemon.json');
    const mine = '{\n  "log-level": "warn"\n}\n';
    writeFileSync(config, mine);
    chmodSync(config, 0o600);
    await install.run([...hooks(), '--docker', '--docker-config', config, '--runtime-name', 'traced', '--docker-default']);
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ 'log-level': 'warn', runtimes: { traced: { path: WRAPPER } }, 'default-runtime': 'traced' });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    await uninstall.run([...hooks(), '--docker', '--docker-config', config, '--runtime-name', 'traced']);
    expect(readFileSync(config, 'utf8')).toBe(mine);
  });

  it('refuses what it cannot do, before writing anything', async () => {
    const config = join(dir, 'daemon.json');
    await expect(Promise.resolve().then(() => install.run([...hooks(), '--runtime-name', 'x']))).rejects.toThrow(/--runtime-name goes with --docker/);
    await expect(Promise.resolve().then(() => install.run([...hooks(), '--docker', '--docker-config', config, '--real-runtime', 'bin/runc']))).rejects.toThrow(/--real-runtime bin\/runc: expected runc, crun/);
    writeFileSync(config, '{"runtimes": {"seccomp-gen": {"path": "/usr/bin/other"}}}');
    await expect(Promise.resolve().then(() => install.run([...hooks(), '--docker', '--docker-config', config]))).rejects.toThrow(/runtimes\.seccomp-gen is another runtime, not seccomp-gen's/);
    expect(readFileSync(config, 'utf8')).toBe('{"runtimes": {"seccomp-gen": {"path": "/usr/bin/other"}}}');
    expect(existsSync(join(dir, 'hooks.d'))).toBe(false);
  });
});
