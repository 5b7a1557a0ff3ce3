/**
 * seccomp-gen record: a host command's profile, no container. The command runs in a mount
 * namespace of its own (record/launch.ts), registered with the shared recorder as a target like
 * a --pid=host container, recording every call (mode 'all': a host command runs under no
 * filter, so there is no mark of where the workload starts; the profile says so). It has a
 * target record like a container's, so gc and status see it, and a concurrent prestart's gc
 * does not take its kernel entry for an orphan.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SeccompGenError, messageOf } from '../errors.js';
import { bpfRefusalCauses } from '../kernel/diagnose.js';
import { Recorder } from '../kernel/recorder.js';
import type { RecordedTarget } from '../kernel/target-codec.js';
import { containerOwner } from '../oci/owner.js';
import { UNFILTERED } from '../oci/replay.js';
import type { Profile } from '../profile/schema.js';
import { takeDone } from '../state/done.js';
import { withLock } from '../state/lock.js';
import { runDir } from '../state/paths.js';
import { deleteTarget, saveTarget, type TargetRecord } from '../state/targets.js';
import { launch, type LaunchOptions } from './launch.js';

export interface RecordRequest {
  command: string[];
  /** Absolute path of the profile, or undefined: the caller prints it. */
  output?: string;
  input?: string;
  base?: Profile;
}

export interface Recorded {
  /** The command's exit code (128 + signal when a signal ended it). */
  exitCode: number;
  record: TargetRecord;
  /** The recording, or null when gc finished the target first (then `collectedTo` says where). */
  recorded: RecordedTarget | null;
  collectedTo?: string;
}

/** Our own target id: a name a container id never takes, unique per run. */
export function recordId(pid: number, now = Date.now()): string {
  return `record-${pid}-${now.toString(36)}`;
}

/** Signals that would end us while the command runs: passed on to it instead, so we still
 * write the profile when it ends. SIGINT from a terminal reaches the command by itself. */
const FORWARDED = ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

export async function recordCommand(request: RecordRequest, options: LaunchOptions & { bpfObject?: string } = {}): Promise<Recorded> {
  if (process.getuid?.() !== 0) {
    throw new SeccompGenError('BPF', 'seccomp-gen record needs root: it loads the BPF recorder and makes a mount namespace (run it with sudo)');
  }
  const launched = await launch(request.command, options);
  const id = recordId(process.pid);
  const key = { kind: 'mnt' as const, inum: launched.mntns };
  const owner = containerOwner(process.pid);
  const record: TargetRecord = {
    version: 1,
    id,
    key,
    mode: 'all',
    pid: launched.pid,
    // '-' (stdout) is no path: were gc to finish this target, it keeps the profile in
    // /run/seccomp-gen/unwritten/ and says so.
    output: request.output ?? '-',
    ...(request.input !== undefined ? { input: request.input, base: request.base } : {}),
    replay: UNFILTERED,
    startedAt: new Date().toISOString(),
    command: request.command,
    ...(owner ? { owner } : {}),
  };

  try {
    withLock(() => {
      let recorder: Recorder;
      try {
        recorder = Recorder.attach(options.bpfObject);
      } catch (e) {
        const causes = bpfRefusalCauses();
        throw new SeccompGenError('BPF', `cannot load the BPF recorder: ${messageOf(e)}${causes.length ? `; likely: ${causes.join('; ')}` : ''}`);
      }
      try {
        saveTarget(record);
        try {
          recorder.addTarget(key, 0n);
        } catch (e) {
          deleteTarget(id);
          recorder.detachIfIdle();
          throw e;
        }
      } finally {
        recorder.close();
      }
    });
  } catch (e) {
    launched.child.kill('SIGKILL'); // held back: it never ran
    await launched.exited;
    throw e;
  }

  const forward = (signal: NodeJS.Signals) => launched.child.kill(signal);
  const ignore = () => {};
  process.on('SIGINT', ignore);
  for (const s of FORWARDED) process.on(s, forward);
  let exitCode: number;
  try {
    launched.release();
    exitCode = await launched.exited;
  } finally {
    process.off('SIGINT', ignore);
    for (const s of FORWARDED) process.off(s, forward);
  }

  // Its processes may live on (daemons it started); the profile is what ran until it exited.
  const recorded = withLock((): RecordedTarget | null => {
    const recorder = Recorder.open();
    if (!recorder) return null;
    try {
      const target = recorder.read(key);
      recorder.removeTarget(key);
      recorder.detachIfIdle();
      return target;
    } finally {
      recorder.close();
    }
  });
  deleteTarget(id); // out of the kernel now: nothing left for gc to find
  if (!recorded) {
    // Between its exit and our lock, a prestart's gc may have found it gone and finished it.
    const done = takeDone(id);
    if (done?.reason === 'collected') return { exitCode, record, recorded: null, collectedTo: done.detail };
    const kept = join(runDir(), 'unwritten', `${id}.json`);
    throw new SeccompGenError('TARGET', `no recording of the command: the recorder was detached meanwhile (seccomp-gen uninstall?)${existsSync(kept) ? `; gc kept its profile in ${kept}` : ''}`);
  }
  return { exitCode, record, recorded };
}
