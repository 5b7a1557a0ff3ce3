/**
 * Writing the profiles of recordings gc set aside (state/unwritten.ts), after the shared lock and
 * each in a process of its own under a time limit: writing means realpath, stat and write on the
 * container's output filesystem, and a filesystem can hang (a stopped FUSE daemon, an NFS server
 * gone) in a call no timer in this process can interrupt. Under `timeout --signal=KILL` (FUSE and
 * NFS waits end on SIGKILL) a hung writer costs only its own container's profile, which stays in
 * unwritten/ with the reason; a prestart does not wait for its writers at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../errors.js';
import type { Config } from '../config/config.js';
import { DEFAULT_WRITE_TIMEOUT_SECONDS } from '../config/config.js';
import { logEvent } from '../log/log.js';
import { quote } from '../log/quote.js';
import { markDone } from '../state/done.js';
import type { GcEvent } from '../tracing/gc.js';
import { noteUnwritten, readUnwritten, removeUnwritten } from '../state/unwritten.js';
import { WRITE_UNWRITTEN_STAGE } from './stages.js';
import { writeProfileOf } from './finish.js';

/** The hook bundle, from the compiled CLI (dist/trace/) and from the bundle itself (dist/hook/). */
export function hookEntry(): string {
  return fileURLToPath(new URL('../hook/main.cjs', import.meta.url));
}

export function writeTimeoutSeconds(config: Config): number {
  return config.writeTimeoutSeconds ?? DEFAULT_WRITE_TIMEOUT_SECONDS;
}

/** In the writer process: write one set-aside recording's profile; the event says how it went. */
export function writeOne(id: string, config: Config): GcEvent {
  let entry;
  try {
    entry = readUnwritten(id);
  } catch (e) {
    return { id, action: 'unwritten', detail: messageOf(e) };
  }
  try {
    const finished = writeProfileOf(entry.record, entry.recorded, config.outputDirs, { argumentFilters: config.argumentFilters });
    removeUnwritten(id);
    markDone(id, { reason: 'collected', detail: finished.output });
    const event: GcEvent = { id, action: 'collected', detail: `profile written to ${quote(finished.output)}` };
    logEvent('gc', 'collected', { id, output: finished.output, syscalls: finished.syscalls });
    return event;
  } catch (e) {
    logEvent('gc', 'unwritten', { id, output: entry.record.output }, messageOf(e)); // writeProfileOf kept it, with the reason
    return { id, action: 'unwritten', detail: messageOf(e) };
  }
}

export interface Writer {
  id: string;
  child: ChildProcess;
  /** The writer's event once it ends (killed at the time limit: 'unwritten', timed out). */
  done: Promise<GcEvent>;
}

/** Start one writer per set-aside recording. Each is noted first as timed out: a writer killed at the limit says nothing more. */
export function startWriters(ids: readonly string[], config: Config, entry = hookEntry()): Writer[] {
  const limit = writeTimeoutSeconds(config);
  const writers: Writer[] = [];
  for (const id of ids) {
    let timedOut: string;
    try {
      const { record } = readUnwritten(id);
      timedOut = `writing the profile to ${quote(record.output)} did not finish within ${limit} s (writeTimeoutSeconds; a hung filesystem?)`;
      noteUnwritten(record, timedOut, new Date(Date.now() + limit * 1000 + 1000));
    } catch (e) {
      logEvent('gc', 'unwritten', { id }, messageOf(e));
      continue;
    }
    // Its own process group, no terminal, no pipe of the hook's: runc waits for none of it.
    const child = spawn('timeout', ['--signal=KILL', String(limit), process.execPath, entry, WRITE_UNWRITTEN_STAGE, id], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<GcEvent>((resolve) => {
      child.on('error', (e) => resolve({ id, action: 'unwritten', detail: `cannot start its writer: ${e.message}` }));
      child.on('close', () => {
        try {
          resolve(JSON.parse(out.trim().split('\n').pop()!) as GcEvent);
        } catch {
          resolve({ id, action: 'unwritten', detail: timedOut });
        }
      });
    });
    writers.push({ id, child, done });
  }
  return writers;
}

/** Leave the writers to finish (or be killed) on their own: a prestart goes on at once. */
export function detachWriters(writers: readonly Writer[]): void {
  for (const w of writers) {
    w.child.stdout?.destroy();
    w.child.unref();
  }
}

/** Write every given recording, waiting for all (seccomp-gen gc). */
export async function writeAll(ids: readonly string[], config: Config, entry = hookEntry()): Promise<GcEvent[]> {
  return Promise.all(startWriters(ids, config, entry).map((w) => w.done));
}
