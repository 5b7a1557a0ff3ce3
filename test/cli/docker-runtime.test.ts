import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { install, uninstall } from '../../src/cli/commands/install.js';

const WRAPPER = fileURLToPath(new URL('../../bin/seccomp-gen-runtime', import.meta.url));

let dir: string;
let out: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-docker-install-'));
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

const hooks = () => ['--hooks-dir', join(dir, 'hooks.d')];

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
