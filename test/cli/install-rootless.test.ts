import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { install, renderUnits, uninstall } from '../../src/cli/commands/install.js';
import { activationFd } from '../../src/cli/commands/broker.js';

const UNITS = ['seccomp-gen-broker.service', 'seccomp-gen-broker.socket'];
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-units-'));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** systemd-analyze verify's complaints about the unit files in `unitDir` ('' when none). */
function verify(unitDir: string, files = UNITS): string {
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...files.map((f) => join(unitDir, f))], { encoding: 'utf8', cwd: unitDir });
  if (r.error) throw new Error(`systemd-analyze is missing (apt-get install systemd): ${r.error.message}`);
  return `${r.status === 0 ? '' : `exit ${r.status}\n`}${r.stderr}`.trim();
}

describe('the broker units', () => {
  it('name node, the CLI and the socket by absolute path, and pass systemd-analyze verify without a warning', () => {
    const units = renderUnits();
    expect([...units.keys()].sort()).toEqual(UNITS);
    const service = units.get('seccomp-gen-broker.service')!;
    expect(service).toMatch(new RegExp(`^ExecStart=${process.execPath} /\\S+/dist/cli/main\\.js broker$|^ExecStart=${process.execPath} /\\S+/src/cli/main\\.js broker$`, 'm'));
    expect(units.get('seccomp-gen-broker.socket')).toMatch(/^ListenStream=\/run\/seccomp-gen\/broker\.sock$/m);
    expect(units.get('seccomp-gen-broker.socket')).toMatch(/^SocketMode=0666$/m);
    for (const text of units.values()) expect(text).not.toMatch(/@[A-Z]+@/);
    for (const [f, text] of units) writeFileSync(join(dir, f), text.replace(/^ExecStart=\S+ \S+/m, `ExecStart=${process.execPath} ${process.execPath}`));
    expect(verify(dir)).toBe('');
  });

  it('the check is real: a misspelt key is reported', () => {
    for (const [f, text] of renderUnits()) writeFileSync(join(dir, f), text.replace('SocketMode=', 'SocketMood=').replace(/^ExecStart=\S+ \S+/m, `ExecStart=${process.execPath} ${process.execPath}`));
    expect(verify(dir)).toMatch(/Unknown key 'SocketMood'/);
  });

  it("carry the hooks' SECCOMP_GEN_ env, and the socket follows SECCOMP_GEN_RUN_DIR", () => {
    const units = renderUnits(['SECCOMP_GEN_RUN_DIR=/run/sg-x', 'SECCOMP_GEN_CONFIG=/etc/sg "x".json']);
    expect(units.get('seccomp-gen-broker.socket')).toMatch(/^ListenStream=\/run\/sg-x\/broker\.sock$/m);
    expect(units.get('seccomp-gen-broker.service')).toMatch(/^Environment="SECCOMP_GEN_RUN_DIR=\/run\/sg-x"$/m);
    expect(units.get('seccomp-gen-broker.service')).toMatch(/^Environment="SECCOMP_GEN_CONFIG=\/etc\/sg \\"x\\".json"$/m);
  });
});

describe('install --rootless', () => {
  it('installs the units only when asked, and uninstall --rootless removes them', () => {
    const hooks = join(dir, 'hooks.d');
    const units = join(dir, 'system');
    install.run(['--hooks-dir', hooks]);
    expect(existsSync(units)).toBe(false);
    install.run(['--hooks-dir', hooks, '--rootless', '--systemd-dir', units]);
    expect(readdirSync(units).sort()).toEqual(UNITS);
    expect(readFileSync(join(units, 'seccomp-gen-broker.service'), 'utf8')).toMatch(/ broker$/m);
    uninstall.run(['--hooks-dir', hooks, '--rootless', '--systemd-dir', units]);
    expect(readdirSync(units)).toEqual([]);
  });

  it('refuses --systemd-dir without --rootless', () => {
    expect(() => install.run(['--hooks-dir', join(dir, 'h'), '--systemd-dir', dir])).toThrow(/--systemd-dir goes with --rootless/);
  });
});

describe('socket activation', () => {
  it('takes fd 3 only when LISTEN_PID is us', () => {
    expect(activationFd({ LISTEN_FDS: '1', LISTEN_PID: '10' }, 10)).toBe(3);
    expect(activationFd({ LISTEN_FDS: '1', LISTEN_PID: '11' }, 10)).toBeUndefined();
    expect(activationFd({}, 10)).toBeUndefined();
    expect(() => activationFd({ LISTEN_FDS: '2', LISTEN_PID: '10' }, 10)).toThrow(/passed 2 sockets/);
  });
});
