/**
 * seccomp-gen record on the real kernel (root, no podman): a host command and its children are
 * recorded, its exit code and stdio are its own, a signal to us reaches it, and the CI example
 * (examples/ci/record-and-check.sh) passes on the committed profile and fails on a drift.
 * A private run and pin directory keep it out of a real installation's (and other tests') way.
 */
import { runtimeSet as fullRuntimeSet, type RuntimeName } from '../../src/profile/runtime-sets.js';
import { argumentSyscall } from '../../src/syscalls/argument-table.js';

// The runtimes' plain rule leaves out the argument table's syscalls (prctl): argument rules hold them.
const runtimeSet = (r: RuntimeName) => fullRuntimeSet(r).filter((n) => !argumentSyscall(n));
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, allowed, readProfile } from './support.js';

const EXAMPLE = join(ROOT, 'examples/ci');
const WORKLOAD = join(EXAMPLE, 'workload.sh');
let base = '';
let env: NodeJS.ProcessEnv = {};

beforeAll(() => {
  if (process.getuid?.() !== 0 || !existsSync(CLI)) throw new Error('record tests need root and a build: run sudo bash test/setup.sh');
  base = mkdtempSync(join(tmpdir(), 'seccomp-gen-record-'));
  env = {
    ...process.env,
    SECCOMP_GEN_RUN_DIR: join(base, 'run'),
    SECCOMP_GEN_PIN_DIR: `/sys/fs/bpf/sg-record-${process.pid}`,
  };
});
afterAll(() => {
  spawnSync('node', [CLI, 'gc'], { env });
  rmSync(env.SECCOMP_GEN_PIN_DIR!, { recursive: true, force: true });
  rmSync(base, { recursive: true, force: true });
});

const out = (name: string) => join(base, name);
const record = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string) =>
  spawnSync('node', [CLI, 'record', ...args], { encoding: 'utf8', env: { ...env, ...extraEnv }, ...(input !== undefined ? { input } : {}), timeout: 60_000 });
const nothingLeft = () => {
  expect(existsSync(join(env.SECCOMP_GEN_PIN_DIR!, 'link'))).toBe(false); // detached: it was the only target
  const targets = join(env.SECCOMP_GEN_RUN_DIR!, 'targets');
  expect(existsSync(targets) ? readdirSync(targets) : []).toEqual([]);
};

/** Syscall names strace sees the command (and its children) make. */
function straced(cmd: string[]): Set<string> {
  const file = out(`strace-${Date.now()}`);
  const r = spawnSync('strace', ['-f', '-qq', '-o', file, '--', ...cmd], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const names = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]/.exec(line);
    if (m && !line.includes('+++') && !line.includes('---')) names.add(m[1]!);
  }
  return names;
}

describe('seccomp-gen record', () => {
  it('records a command and all its children, with its stdio and its exit code', () => {
    const r = record(['-o', out('sh.json'), '--', 'sh', '-c', 'read line; echo "got $line"; ls / > /dev/null; exit 7'], {}, 'hello\n');
    expect(r.status).toBe(7);
    expect(r.stdout).toBe('got hello\n');
    expect(r.stderr).toMatch(/seccomp-gen record: \d+ syscalls, written to .*sh\.json \(command exited 7\)/);
    const profile = readProfile(out('sh.json'));
    const names = allowed(profile);
    expect(names.has('getdents64')).toBe(true); // only ls, a child of sh, reads a directory
    expect(names.has('exit_group')).toBe(true);
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.syscalls[0]!.comment).toMatch(/host command \(seccomp-gen record\)/);
    nothingLeft();
  });

  it('carries every runtime\'s set unless --runtimes narrows it (none: no runtimes\' rule at all)', () => {
    const rule = (f: string) => readProfile(out(f)).syscalls.find((x) => x.comment?.startsWith('for the OCI runtime'));
    expect(record(['-o', out('all.json'), '--', 'true']).status).toBe(0);
    expect(rule('all.json')?.comment).toMatch(/what crun, runc call/);
    expect(record(['--runtimes', 'crun', '-o', out('crun.json'), '--', 'true']).status).toBe(0);
    expect(rule('crun.json')?.names).toEqual(runtimeSet('crun'));
    expect(record(['--runtimes', 'none', '-o', out('none.json'), '--', 'true']).status).toBe(0);
    expect(rule('none.json')).toBeUndefined();
    expect(allowed(readProfile(out('none.json'))).has('execve')).toBe(true); // the workload's own, then
    expect(record(['--runtimes', 'youki', '--', 'true']).stderr).toMatch(/--runtimes: unknown runtime "youki"/);
    nothingLeft();
  });

  it('allows every call strace sees the workload make', () => {
    const r = record(['-o', out('w.json'), '--', WORKLOAD]);
    expect(r.status).toBe(0);
    const names = allowed(readProfile(out('w.json')));
    const seen = straced([WORKLOAD]);
    expect(seen.size).toBeGreaterThan(15);
    const missing = [...seen].filter((n) => !names.has(n));
    expect(missing).toEqual([]);
  });

  it('prints the profile on stdout without -o, and starts from --if', () => {
    const r = record(['--', 'true']);
    expect(r.status).toBe(0);
    expect(allowed(JSON.parse(r.stdout) as never).has('execve')).toBe(true);
    const withBase = record(['--if', join(EXAMPLE, 'workload.profile.json'), '--', 'sh', '-c', 'ls / >/dev/null']);
    expect(withBase.status).toBe(0);
    const names = allowed(JSON.parse(withBase.stdout) as never);
    expect(names.has('symlink')).toBe(false);
    expect(names.has('getdents64')).toBe(true);
    nothingLeft();
  });

  it('passes on the exit code of a command that cannot run, and of one killed by a signal', () => {
    expect(record(['--', '/no/such/program']).status).toBe(127);
    expect(record(['-o', out('k.json'), '--', 'sh', '-c', 'kill -KILL $$']).status).toBe(137);
    expect(existsSync(out('k.json'))).toBe(true);
    nothingLeft();
  });

  it('hands SIGTERM on to the command and still writes the profile', async () => {
    const child = spawn('node', [CLI, 'record', '-o', out('term.json'), '--', 'sleep', '30'], { env, stdio: 'ignore' });
    const pinned = join(env.SECCOMP_GEN_PIN_DIR!, 'link');
    for (let i = 0; i < 100 && !existsSync(pinned); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    const status = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    expect(status).toBe(143); // sleep ended by SIGTERM, as a shell reports it
    expect(allowed(readProfile(out('term.json'))).has('clock_nanosleep')).toBe(true);
    nothingLeft();
  });

  it('refuses to run as a user other than root, saying why, and runs nothing', () => {
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'node', CLI, 'record', '--', 'touch', out('ran')], { encoding: 'utf8', env });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/needs root/);
    expect(existsSync(out('ran'))).toBe(false);
  });

  it('takes `record -- CMD --help` as the command\'s --help, not ours', () => {
    const r = record(['--', 'sh', '-c', 'echo "$1"', 'sh', '--help']);
    expect(r.stdout).toMatch(/^--help\n/);
  });
});

describe('examples/ci/record-and-check.sh', () => {
  const check = (extra: NodeJS.ProcessEnv) =>
    spawnSync('bash', [join(EXAMPLE, 'record-and-check.sh'), join(EXAMPLE, 'workload.profile.json'), '--', WORKLOAD], {
      encoding: 'utf8',
      env: { ...env, SECCOMP_GEN: `node ${CLI}`, RECORDED_PROFILE: out('ci.json'), ...extra },
      timeout: 60_000,
    });

  it('passes when the workload calls what the committed profile allows', () => {
    const r = check({});
    expect(r.stderr + r.stdout).toMatch(/is up to date/);
    expect(r.status).toBe(0);
  });

  it('fails and shows the drift when the workload changes', () => {
    const r = check({ WORKLOAD_EXTRA: '1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^\+ symlink\s+ALLOW$/m);
    expect(r.stderr).toMatch(/syscalls changed/);
  });

  it('fails when the workload fails, with its exit code', () => {
    const r = spawnSync('bash', [join(EXAMPLE, 'record-and-check.sh'), join(EXAMPLE, 'workload.profile.json'), '--', 'sh', '-c', 'exit 4'], {
      encoding: 'utf8',
      env: { ...env, SECCOMP_GEN: `node ${CLI}` },
    });
    expect(r.status).toBe(4);
  });
});
