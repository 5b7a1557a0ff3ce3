/**
 * What the end-to-end tests need: root, podman, bpffs, the built hook (npm run build) and the
 * local test image (test/setup.sh makes all of these). Hooks are installed into a private
 * hooks.d with `seccomp-gen install --hooks-dir`, and podman is pointed at it, so the tests
 * never depend on (or disturb) a system-wide installation.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { Operator } from '../../src/profile/schema.js';
import { objectPath } from '../../src/kernel/abi.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const IMAGE = 'localhost/seccomp-gen/busybox:test';
export const CLI = join(ROOT, 'dist/cli/main.js');
export const ANNOTATION = 'io.containers.trace-syscall';

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** Throws, saying what is missing, unless this machine can run the end-to-end tests. */
export function requireE2E(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('root');
  if (spawnSync('podman', ['--version']).status !== 0) missing.push('podman');
  if (!existsSync(CLI) || !existsSync(objectPath())) missing.push('a build (npm run build)');
  if (spawnSync('podman', ['image', 'exists', IMAGE]).status !== 0) missing.push(`the image ${IMAGE} (test/images/build.sh)`);
  if (missing.length) throw new Error(`end-to-end tests need ${missing.join(', ')}: run sudo bash test/setup.sh`);
}

export interface Workspace {
  hooksDir: string;
  dir: string;
  cleanup: () => void;
}

/**
 * A private hooks.d with seccomp-gen's hooks, and a scratch directory for profiles. `hookEnv`:
 * more SECCOMP_GEN_* variables for the hooks (e.g. SECCOMP_GEN_CONFIG, for a config of the test's).
 */
export function workspace(hookEnv: readonly string[] = []): Workspace {
  requireE2E();
  const base = mkdtempSync(join(tmpdir(), 'seccomp-gen-e2e-'));
  const hooksDir = join(base, 'hooks.d');
  const dir = join(base, 'work');
  mkdirSync(dir);
  const r = spawnSync('node', [CLI, 'install', '--hooks-dir', hooksDir, ...[...isolationEnv(), ...hookEnv].flatMap((e) => ['--env', e])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`seccomp-gen install failed: ${r.stderr}`);
  return { hooksDir, dir, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/**
 * One workspace for a whole test file: made before its first test, removed after its last.
 * `path(name)` is a file in its scratch directory.
 */
export function useWorkspace(hookEnv: readonly string[] = []): Workspace & { path(name: string): string } {
  let current: Workspace | undefined;
  beforeAll(() => {
    current = workspace(hookEnv);
  });
  afterAll(() => current?.cleanup());
  const get = (): Workspace => {
    if (!current) throw new Error('the workspace is used outside a test');
    return current;
  };
  return {
    get hooksDir() {
      return get().hooksDir;
    },
    get dir() {
      return get().dir;
    },
    cleanup: () => get().cleanup(),
    path: (name: string) => join(get().dir, name),
  };
}

/** A finished command as a Run (a command that could not start has no output: empty strings). */
export function result(r: { status: number | null; stdout: string | null; stderr: string | null }): Run {
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Podman runs in the workspace (the hooks directory's parent): conmon drops an `oom` marker in
 * its working directory when a container is OOM-killed, which must not land in the checkout.
 */
export function podman(hooksDir: string, args: string[]): Run {
  return result(spawnSync('podman', ['--hooks-dir', hooksDir, ...args], { encoding: 'utf8', timeout: 120_000, cwd: dirname(hooksDir) }));
}

/** The OCI runtimes the tests run podman with: runc is this machine's default, crun the other. */
export type TestRuntime = 'runc' | 'crun';
export const TEST_RUNTIMES: readonly TestRuntime[] = ['runc', 'crun'];

let crunWay: string[] | undefined;
/**
 * podman's global options that make it run crun here: plain `--runtime crun` where that starts a
 * container, else (this VM: crun refuses its cgroup hybrid mode) crun through
 * test/e2e/runtimes/crun, which hides the v2 mount from crun only, in a mount namespace of its
 * own. Decided once per test file, by a probe container. For the tests only: users run crun as is.
 */
function crunGlobalArgs(hooksDir: string): string[] {
  if (crunWay) return crunWay;
  if (spawnSync('crun', ['--version']).status !== 0) throw new Error('crun is missing: run sudo bash test/setup.sh');
  const probe = spawnSync('podman', ['--runtime', 'crun', 'run', '--rm', IMAGE, 'true'], { cwd: dirname(hooksDir), timeout: 60_000 });
  crunWay = probe.status === 0 ? ['--runtime', 'crun'] : ['--runtime', join(ROOT, 'test/e2e/runtimes/crun')];
  return crunWay;
}

/** `podman` with the given OCI runtime (runc, crun; undefined: podman's configured one). */
export function podmanWith(runtime: TestRuntime | undefined, hooksDir: string, args: string[]): Run {
  if (runtime === undefined) return podman(hooksDir, args);
  return podman(hooksDir, [...(runtime === 'crun' ? crunGlobalArgs(hooksDir) : ['--runtime', 'runc']), ...args]);
}

/** `podman` running crun (see crunGlobalArgs): beside `podman`, for the tests that run both. */
export function podmanCrun(hooksDir: string, args: string[]): Run {
  return podmanWith('crun', hooksDir, args);
}

export function podmanAsync(hooksDir: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('podman', ['--hooks-dir', hooksDir, ...args], { cwd: dirname(hooksDir) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

export interface RunOptions {
  image?: string;
  podmanArgs?: string[];
  /** The OCI runtime podman runs the container with (default: this machine's, runc). */
  runtime?: TestRuntime;
}

export function annotationFor(output: string, input?: string): string {
  return `${ANNOTATION}=${input ? `if:${input};` : ''}of:${output}`;
}

/** The `podman run` arguments that trace `cmd`, writing the profile to `output`. */
export function traceArgs(output: string, cmd: string[], opts: RunOptions & { input?: string } = {}): string[] {
  return ['run', '--rm', ...(opts.podmanArgs ?? []), '--annotation', annotationFor(output, opts.input), opts.image ?? IMAGE, ...cmd];
}

export function trace(hooksDir: string, output: string, cmd: string[], opts: RunOptions & { input?: string } = {}): Run {
  return podmanWith(opts.runtime, hooksDir, traceArgs(output, cmd, opts));
}

/** `podman run` the command under a seccomp profile. */
export function runUnder(hooksDir: string, profile: string, cmd: string[], opts: RunOptions = {}): Run {
  return podmanWith(opts.runtime, hooksDir, ['run', '--rm', ...(opts.podmanArgs ?? []), '--security-opt', `seccomp=${profile}`, opts.image ?? IMAGE, ...cmd]);
}

/** `podman run` the command with podman's default profile, as a baseline. */
export function runPlain(hooksDir: string, cmd: string[], opts: RunOptions = {}): Run {
  return podmanWith(opts.runtime, hooksDir, ['run', '--rm', ...(opts.podmanArgs ?? []), opts.image ?? IMAGE, ...cmd]);
}

export interface ProfileJson {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  syscalls: { names: string[]; action: string; errnoRet?: number; comment?: string; args?: { index: number; value: number; valueTwo?: number; op: Operator }[] }[];
}

export function readProfile(path: string): ProfileJson {
  return JSON.parse(readFileSync(path, 'utf8')) as ProfileJson;
}

export function allowed(profile: ProfileJson): Set<string> {
  return new Set(profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names));
}

/**
 * SECCOMP_GEN_PIN_DIR, _RUN_DIR and _LOG, when set for the test run, are handed on to the hooks:
 * two checkouts can then run their end-to-end tests at once without sharing a pinned program or
 * a state directory. Unset (CI), the real defaults are used and tested.
 */
export function isolationEnv(): string[] {
  // SECCOMP_GEN_FEATURES too: the suite run on another build of the recorder (docs/kernels.md).
  return ['SECCOMP_GEN_PIN_DIR', 'SECCOMP_GEN_RUN_DIR', 'SECCOMP_GEN_LOG', 'SECCOMP_GEN_FEATURES'].flatMap((k) => (process.env[k] ? [`${k}=${process.env[k]}`] : []));
}

export const PIN_DIR = process.env.SECCOMP_GEN_PIN_DIR ?? '/sys/fs/bpf/seccomp-gen';
export const RUN_DIR = process.env.SECCOMP_GEN_RUN_DIR ?? '/run/seccomp-gen';
/** The root hooks' log (the default config's logFile, or the run's SECCOMP_GEN_LOG). */
export const LOG = process.env.SECCOMP_GEN_LOG ?? '/var/log/seccomp-gen.log';

/** The root hooks' log lines about container `id`. */
export function logLinesOf(id: string): string[] {
  return existsSync(LOG) ? readFileSync(LOG, 'utf8').split('\n').filter((l) => l.includes(` id=${id}`)) : [];
}

/** Whether `file` appears within `ms` (a detached container writing it, a hook finishing). */
export function waitFor(file: string, ms = 15_000): boolean {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (existsSync(file)) return true;
    spawnSync('sleep', ['0.1']);
  }
  return false;
}

/** Whether the recorder is still attached (pinned). */
export function recorderPinned(): boolean {
  return existsSync(join(PIN_DIR, 'link'));
}
