/**
 * poststop: the container is gone (podman waits for this hook before `podman run` returns, so the
 * profile is there when the user looks). Take the target's bitmap out of the kernel, detach the
 * program if it was the last, and write the profile.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { Recorder } from '../kernel/recorder.js';
import type { RecordedTarget } from '../kernel/target-codec.js';
import { ANNOTATION } from '../oci/annotation.js';
import type { OciState } from '../oci/state.js';
import { formatJson, writeFileAtomic } from '../profile/write.js';
import { withLock } from '../state/lock.js';
import { runDir } from '../state/paths.js';
import { deleteTarget, loadTarget } from '../state/targets.js';
import { describeUnknown } from '../syscalls/resolve.js';
import { libseccompTable } from '../syscalls/table.js';
import { collectProfile } from '../trace/collect.js';
import { UNFILTERED_NOTE, allowedCount } from '../profile/build.js';

export interface PoststopResult {
  output: string;
  syscalls: number;
  warnings: string[];
}

export function poststop(state: OciState): PoststopResult | null {
  if (state.annotations?.[ANNOTATION] === undefined) return null;
  const record = loadTarget(state.id);
  if (!record) {
    throw new SeccompGenError('TARGET', `container ${state.id} was not traced: the prestart hook did not run (is seccomp-gen installed for the prestart stage?)`);
  }
  const recorded = withLock((): RecordedTarget | null => {
    const recorder = Recorder.open();
    if (!recorder) return null;
    try {
      const target = recorder.read(record.key);
      recorder.removeTarget(record.key);
      recorder.detachIfIdle();
      return target;
    } finally {
      recorder.close();
    }
  });
  if (!recorded) {
    deleteTarget(state.id);
    throw new SeccompGenError('TARGET', `no recording for container ${state.id}: the recorder was detached meanwhile (reboot, or seccomp-gen uninstall?); no profile written`);
  }

  const { profile, unknown } = collectProfile(record, recorded, libseccompTable());
  const warnings: string[] = [];
  if (!record.replay.filtered) warnings.push(UNFILTERED_NOTE);
  if (unknown.size) warnings.push(`syscalls with no name known to libseccomp (not in the profile, listed in its comment): ${describeUnknown(unknown)}`);
  const text = formatJson(profile);
  try {
    writeFileAtomic(record.output, text);
  } catch (e) {
    // Do not lose a recording we cannot put back: keep the profile where root can find it.
    const keep = join(runDir(), 'unwritten');
    mkdirSync(keep, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(keep, `${state.id}.json`), text, { mode: 0o600 });
    throw new SeccompGenError('PATH', `${(e as Error).message}; the profile was kept in ${join(keep, `${state.id}.json`)}`);
  } finally {
    deleteTarget(state.id);
  }
  return { output: record.output, syscalls: allowedCount(profile), warnings };
}
