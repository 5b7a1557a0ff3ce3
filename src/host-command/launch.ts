/**
 * Starting a host command so that the recorder can follow it from its first instruction: in a
 * mount namespace of its own (the recorder's --pid=host key), held back until its target is
 * registered.
 *
 * Why a mount namespace and not a PID namespace: in a new PID namespace the command would be its
 * PID 1, which the kernel shields from every signal it has no handler for — Ctrl-C and a CI
 * timeout's SIGTERM would no longer stop it — and which reaps every orphan. A mount namespace
 * changes nothing the command can see (`--propagation unchanged`: mounts still propagate both
 * ways), and every child it starts inherits it.
 *
 * The handshake: `unshare --mount` makes the namespace and execs a tiny sh, which says "ready" on
 * fd 3 and blocks reading it. We register the namespace, then send one newline; sh execs the
 * command, closing fd 3. The recorder therefore also sees the few calls sh makes between its read
 * and the exec (dash: fcntl, dup2, close, then execve), which the profile's comment names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { SeccompGenError } from '../errors.js';

/** Run by the held-back process: $@ is the command. Exit 125 (as env(1)) when told nothing. */
export const HOLD_SCRIPT = 'echo ready >&3; read -r go <&3 || exit 125; exec "$@" 3>&-';

export interface Launched {
  child: ChildProcess;
  /** Host pid of the process that becomes the command (unshare → sh → exec CMD keep it). */
  pid: number;
  /** Inode of its mount namespace: the recorder's key. */
  mntns: number;
  /** Let the command run. */
  release(): void;
  /** Its end: the exit code, or 128 + the signal's number when a signal ended it (as sh says). */
  exited: Promise<number>;
}

export interface LaunchOptions {
  /** The unshare(1) to run (tests may point elsewhere). */
  unshare?: string;
  /** How long sh may take to block in its read before we register anyway. */
  settleMs?: number;
}

/** The process state letter from /proc/PID/stat ('S' = sleeping, e.g. blocked in read). */
export function procState(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  return close < 0 ? undefined : stat.slice(close + 2, close + 3);
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null, signals: Record<string, number>): number {
  if (code !== null) return code;
  return 128 + (signal ? (signals[signal] ?? 0) : 0);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Wait (up to `ms`) until `pid` sleeps: sh is then blocked in its read, and nothing it did
 * before will be recorded. Not strictly needed (what it does in between is the same kind of
 * call), but it makes the recorded set the same on every run. */
function waitBlocked(pid: number, ms: number): void {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    let state: string | undefined;
    try {
      state = procState(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return; // gone: the caller finds out
    }
    if (state === 'S') return;
    Atomics.wait(sleeper, 0, 0, 1);
  }
}

export async function launch(command: readonly string[], options: LaunchOptions = {}): Promise<Launched> {
  if (command.length === 0) throw new SeccompGenError('USAGE', 'no command given: seccomp-gen record [-o out.json] -- CMD [ARGS…]');
  const unshare = options.unshare ?? 'unshare';
  const child = spawn(unshare, ['--mount', '--propagation', 'unchanged', '--', '/bin/sh', '-c', HOLD_SCRIPT, 'seccomp-gen-record', ...command], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
  });
  const { constants } = await import('node:os');
  const signals = constants.signals as unknown as Record<string, number>;
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(exitCodeOf(code, signal, signals))));
  const channel = child.stdio[3] as Socket;

  // "ready", or the reason there will be none.
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes('ready\n')) {
        channel.off('data', onData);
        resolve();
      }
    };
    channel.on('data', onData);
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(new SeccompGenError('LIBRARY', e.code === 'ENOENT' ? `${unshare} not found: seccomp-gen record needs util-linux's unshare(1)` : `cannot start ${unshare}: ${e.message}`)),
    );
    void exited.then((code) => reject(new SeccompGenError('TARGET', `${unshare} --mount failed (exit ${code}) before the command started; its message is above`)));
  });
  const pid = child.pid!;
  const mntns = statSync(`/proc/${pid}/ns/mnt`).ino;
  if (mntns === statSync('/proc/self/ns/mnt').ino) {
    child.kill('SIGKILL');
    throw new SeccompGenError('TARGET', `${unshare} did not make a new mount namespace`);
  }
  waitBlocked(pid, options.settleMs ?? 2000);
  return {
    child,
    pid,
    mntns,
    exited,
    release() {
      channel.end('\n');
    },
  };
}
