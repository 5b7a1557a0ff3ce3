/**
 * Rounds of test/fixtures/racer/racer.c, each in a fresh PID namespace traced by the recorder
 * through the project's own loader (kernel/recorder.ts, the build this kernel gets): every
 * round's eight concurrent first calls, and eight concurrent ioctl requests, must all be in the
 * recording (an argument set may say 'overflow' instead: the profile then keeps the tracing
 * filter's rule; a value silently missing is a loss). Runs on the host and in the guests
 * (bundled by esbuild, test/e2e/kernels.test.ts).
 *
 *   node race.mjs RACER ROUNDS      prints { build, rounds, lost: [...], overflowed }
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFor, probeFeatures } from '../../src/kernel/features.js';
import { targetKeyOf } from '../../src/kernel/namespaces.js';
import { Recorder } from '../../src/kernel/recorder.js';
import { withLock } from '../../src/tracing/lock.js';

/** racer.c's CALLS (x86_64 numbers: times getppid getpgrp getgroups getresuid getresgid getpgid getsid) and REQUEST(i). */
const CALLS = [100, 110, 111, 115, 118, 120, 121, 124];
const REQUESTS = CALLS.map((_, i) => 0x5300 + i);

function childOf(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

async function round(recorder: Recorder, racer: string, go: string): Promise<string[]> {
  rmSync(go, { force: true });
  const child = spawn('unshare', ['--pid', '--fork', racer, go], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let pid: number | undefined;
  for (let i = 0; i < 5000 && pid === undefined; i++) {
    pid = childOf(child.pid!);
    if (pid === undefined) await new Promise((r) => setTimeout(r, 2));
  }
  if (pid === undefined) throw new Error('the racer did not start');
  const key = targetKeyOf(pid);
  withLock(() => recorder.addTarget(key, 0n)); // mode 'all': the racer runs without a filter
  writeFileSync(go, '');
  if ((await exited) !== 0) throw new Error('the racer failed');
  const recording = withLock(() => {
    const r = recorder.read(key);
    recorder.removeTarget(key);
    return r;
  });
  const lost: string[] = [];
  const seen = new Set(recording?.syscalls.native ?? []);
  for (const nr of CALLS) if (!seen.has(nr)) lost.push(`syscall ${nr}`);
  const ioctl = recording?.arguments?.get('ioctl');
  if (ioctl === 'overflow') lost.push('overflow');
  else for (const request of REQUESTS) if (!ioctl?.some((t) => t[0] === request)) lost.push(`ioctl 0x${request.toString(16)}`);
  return lost;
}

const [racer, roundsText] = process.argv.slice(2);
if (!racer || !roundsText) throw new Error('usage: race RACER ROUNDS');
const go = join(tmpdir(), `sg-race-go-${process.pid}`);
const recorder = withLock(() => Recorder.attach());
const lost: string[] = [];
let overflowed = 0;
try {
  for (let r = 0; r < Number(roundsText); r++) {
    for (const l of await round(recorder, racer, go)) {
      if (l === 'overflow') overflowed++;
      else lost.push(`round ${r}: ${l}`);
    }
  }
} finally {
  withLock(() => recorder.detachIfIdle());
  rmSync(go, { force: true });
}
process.stdout.write(`${JSON.stringify({ build: buildFor(probeFeatures()).program, rounds: Number(roundsText), lost, overflowed })}\n`);
