import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HOLD_SCRIPT, launch, procState } from '../../src/host-command/launch.js';
import { hostCommandId } from '../../src/host-command/run.js';
import { CONTAINER_ID } from '../../src/oci/state.js';

describe('procState', () => {
  it('reads the state after the command name, whatever the name holds', () => {
    expect(procState('123 (sh) S 1 123 123 0 -1')).toBe('S');
    expect(procState('123 (a) b) (c) R 1 123')).toBe('R');
    expect(procState('garbage')).toBeUndefined();
  });
});

describe('HOLD_SCRIPT', () => {
  it('execs the command only after a line, closing the channel; exit 125 on EOF', () => {
    expect(HOLD_SCRIPT).toMatch(/read -r go <&3 \|\| exit 125; exec "\$@" 3>&-$/);
  });

  /** Run HOLD_SCRIPT as launch() does (fd 3 a channel to us), answering `answer` (null: close it) once it says ready. */
  async function hold(command: string[], answer: string | null): Promise<{ code: number | null; stdout: string; said: string }> {
    const child = spawn('/bin/sh', ['-c', HOLD_SCRIPT, 'seccomp-gen-record', ...command], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
    const channel = child.stdio[3] as Socket;
    let said = '';
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise<void>((resolve) => channel.on('data', (d: Buffer) => ((said += d.toString()), said.includes('\n') && resolve())));
    expect(stdout).toBe(''); // nothing of the command has run while it is held
    if (answer === null) channel.end();
    else channel.write(answer);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    return { code, stdout, said };
  }

  it('says ready on fd 3, then runs the command with its arguments when told, as itself (exec), without fd 3', async () => {
    const r = await hold(['sh', '-c', 'echo "$0 $1"; [ -e /proc/self/fd/3 ] && echo fd3-open; exit 7', 'a b', 'c'], 'go\n');
    expect(r.said).toBe('ready\n');
    expect(r.stdout).toBe('a b c\n');
    expect(r.code).toBe(7);
  });

  it('exits 125 without running the command when the channel closes with no line', async () => {
    const r = await hold(['sh', '-c', 'echo ran'], null);
    expect(r).toEqual({ code: 125, stdout: '', said: 'ready\n' });
  });
});

describe('hostCommandId', () => {
  it('is a valid target id no container id looks like', () => {
    const id = hostCommandId(4242, 1_700_000_000_000);
    expect(id).toMatch(/^record-4242-/);
    expect(CONTAINER_ID.test(id)).toBe(true);
  });
});

describe('launch', () => {
  it('refuses an empty command', async () => {
    await expect(launch([])).rejects.toThrow(/no command given/);
  });

  it('says what is missing when unshare is not there', async () => {
    await expect(launch(['true'], { unshare: '/no/such/unshare' })).rejects.toThrow(/needs util-linux's unshare/);
  });
});
