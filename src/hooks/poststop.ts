/**
 * poststop: the container is gone (podman waits for this hook before `podman run` returns, so the
 * profile is there when the user looks). Take the target out (its record and its recording, in one
 * step), detach the program if it was the last, and write the profile (write/finish.ts).
 *
 * With no target for the container, say what happened, and fail only when the prestart hook did
 * not run though the container asked to be traced: Podman runs poststop twice on `podman rm -f` of
 * a running --rm container (the first takes the target out and leaves a mark), gc may have
 * finished it first, prestart may have let it run untraced (fail-open) or found no key naming it.
 */
import { existsSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import type { Config } from '../config/config.js';
import type { OciState } from '../oci/state.js';
import { markDone, takeDone } from '../state/done.js';
import { unwrittenPath } from '../state/unwritten.js';
import { notTraced, ranAgain, writeProfileOf, type PoststopResult } from '../write/finish.js';
import { takeOut } from '../tracing/register.js';

/**
 * `asked`: a trace key is meant for this container as far as poststop can tell (the plain key,
 * or CRI-O's name in a key); a key naming a Podman container by its name is known at prestart only.
 */
export function poststop(state: OciState, config: Config, asked: boolean): PoststopResult {
  const taken = takeOut(state.id, (record) => markDone(state.id, { reason: 'taken', detail: record.output }));
  if (taken) {
    if (!taken.recorded) throw new SeccompGenError('TARGET', `no recording for container ${state.id}: the recorder was detached meanwhile (reboot, or seccomp-gen uninstall?); no profile written`);
    return writeProfileOf(taken.record, taken.recorded, config.outputDirs, { argumentFilters: config.argumentFilters });
  }
  const done = takeDone(state.id);
  const none = { output: '', syscalls: 0, warnings: [] };
  switch (done?.reason) {
    case 'taken':
      return ranAgain(done.detail);
    case 'collected':
      return { ...none, output: done.detail, warnings: [`the profile was already written to ${done.detail} by seccomp-gen gc`] };
    case 'untraced':
      return { ...none, warnings: [`container ${state.id} ran untraced (failOpen): no profile written`] };
  }
  if (existsSync(unwrittenPath(state.id))) {
    return { ...none, warnings: [`container ${state.id} was found gone before its poststop: its recording was set aside, and seccomp-gen gc writes its profile (seccomp-gen status lists it)`] };
  }
  if (!asked) return none; // its prestart said why it traced nothing (a key naming another container)
  throw notTraced(state.id);
}
