/**
 * poststop: the container is gone (podman waits for this hook before `podman run` returns, so the
 * profile is there when the user looks). Take the target out (its record and its recording, in one
 * step), detach the program if it was the last, and write the profile (trace/finish.ts).
 */
import { SeccompGenError } from '../errors.js';
import type { Config } from '../config/config.js';
import type { OciState } from '../oci/state.js';
import { takeDone } from '../state/done.js';
import { writeProfileOf, type Finished } from '../trace/finish.js';
import { takeOut } from '../trace/register.js';

export type PoststopResult = Finished;

export function poststop(state: OciState, config: Config): PoststopResult {
  const taken = takeOut(state.id);
  if (!taken) {
    // Finished without us: gc wrote the profile (the container died unseen), or it ran untraced.
    const done = takeDone(state.id);
    if (done?.reason === 'collected') return { output: done.detail, syscalls: 0, warnings: [`the profile was already written to ${done.detail} by seccomp-gen gc`] };
    if (done?.reason === 'untraced') return { output: '', syscalls: 0, warnings: [`container ${state.id} ran untraced (failOpen): no profile written`] };
    throw new SeccompGenError('TARGET', `container ${state.id} was not traced: the prestart hook did not run (is seccomp-gen installed for the prestart stage?)`);
  }
  if (!taken.recorded) throw new SeccompGenError('TARGET', `no recording for container ${state.id}: the recorder was detached meanwhile (reboot, or seccomp-gen uninstall?); no profile written`);
  return writeProfileOf(taken.record, taken.recorded, config.outputDirs, { argumentFilters: config.argumentFilters });
}
