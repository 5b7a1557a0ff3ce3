/**
 * seccomp-gen record: a host command's profile, no container. The command runs in a mount
 * namespace of its own (host-command/launch.ts), registered with the shared recorder as a target like
 * a --pid=host container, recording every call (mode 'all': a host command runs under no
 * filter, so there is no mark of where the workload starts; the profile says so). It has a
 * target record like a container's, so gc and status see it, and a concurrent prestart's gc
 * does not take its kernel entry for an orphan.
 */
import { existsSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import type { RecordedTarget } from '../kernel/target-codec.js';
import { containerOwner } from '../oci/owner.js';
import { UNFILTERED } from '../oci/replay.js';
import type { Profile } from '../profile/schema.js';
import { takeDone } from '../state/done.js';
import type { TargetRecord } from '../state/targets.js';
import { readUnwritten, removeUnwritten, unwrittenPath } from '../state/unwritten.js';
import { registerTarget, takeOut } from '../tracing/register.js';
import { targetRecord } from '../tracing/target.js';
import { launch, type LaunchOptions } from './launch.js';

export interface HostCommandRequest {
  command: string[];
  /** Absolute path of the profile, or undefined: the caller prints it. */
  output?: string;
  input?: string;
  base?: Profile;
}

export interface HostCommandResult {
  /** The command's exit code (128 + signal when a signal ended it). */
  exitCode: number;
  record: TargetRecord;
  /** The recording, or null when gc finished the target first (then `collectedTo` says where). */
  recorded: RecordedTarget | null;
  collectedTo?: string;
}

/** Our own target id: a name a container id never takes, unique per run. */
export function hostCommandId(pid: number, now = Date.now()): string {
  return `record-${pid}-${now.toString(36)}`;
}

/** Signals that would end us while the command runs: passed on to it instead, so we still
 * write the profile when it ends. SIGINT from a terminal reaches the command by itself. */
const FORWARDED = ['SIGTERM', 'SIGHUP', 'SIGQUIT'] as const;

export async function traceHostCommand(request: HostCommandRequest, options: LaunchOptions & { bpfObject?: string } = {}): Promise<HostCommandResult> {
  if (process.getuid?.() !== 0) {
    throw new SeccompGenError('BPF', 'seccomp-gen record needs root: it loads the BPF recorder and makes a mount namespace (run it with sudo)');
  }
  const launched = await launch(request.command, options);
  const id = hostCommandId(process.pid);
  const key = { kind: 'mnt' as const, inum: launched.mntns };
  const owner = containerOwner(process.pid);
  const record = targetRecord({
    id,
    key,
    mode: 'all',
    pid: launched.pid,
    // '-' (stdout) is no path: were gc to finish this target, its recording is set aside in
    // /run/seccomp-gen/unwritten/, where we take it from.
    output: request.output ?? '-',
    input: request.input,
    base: request.base,
    replay: UNFILTERED,
    command: request.command,
    owner,
  });

  try {
    registerTarget(record, options.bpfObject ? { bpfObject: options.bpfObject } : {});
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
  const recorded = takeOut(id)?.recorded ?? null; // its record goes too: nothing left for gc to find
  if (!recorded) {
    // Between its exit and our lock, a prestart's gc may have found it gone and set it aside
    // (its writer may have finished it already).
    try {
      const aside = readUnwritten(id);
      removeUnwritten(id);
      return { exitCode, record, recorded: aside.recorded };
    } catch {
      /* not set aside, or written already */
    }
    const done = takeDone(id);
    if (done?.reason === 'collected') return { exitCode, record, recorded: null, collectedTo: done.detail };
    const kept = unwrittenPath(id);
    throw new SeccompGenError('TARGET', `no recording of the command: the recorder was detached meanwhile (seccomp-gen uninstall?)${existsSync(kept) ? `; gc kept its recording in ${kept}` : ''}`);
  }
  return { exitCode, record, recorded };
}
