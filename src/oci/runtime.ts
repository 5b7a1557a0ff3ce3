/**
 * Which OCI runtime runs the hook: the runtime itself executes prestart hooks (runc, crun), so it
 * is our parent process. Recorded with the target (state/targets.ts) and named in the profile's
 * runtime rule (profile/runtime-sets.ts).
 *
 * The executable's path alone is not enough: crun run in a mount namespace of its own (as the
 * tests here run it) shows `/` as /proc/PID/exe from ours, and a runtime that re-executes itself
 * from a memfd shows `/memfd:crun (deleted)`. The kernel's comm (the name it was exec'd as, at
 * most 15 bytes) is kept either way, so it decides when the path's last part says nothing.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/** The runtime's name from its executable's path and its comm; undefined when neither says one. */
export function runtimeNameOf(exe: string | undefined, comm: string | undefined): string | undefined {
  const fromExe = exe === undefined ? '' : basename(exe.replace(/ \(deleted\)$/, '')).replace(/^memfd:/, '');
  if (fromExe) return fromExe;
  const fromComm = comm?.trim();
  return fromComm ? fromComm : undefined;
}

function read(f: () => string): string | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

export function runtimeName(ppid = process.ppid): string | undefined {
  return runtimeNameOf(
    read(() => readlinkSync(`/proc/${ppid}/exe`)),
    read(() => readFileSync(`/proc/${ppid}/comm`, 'utf8')),
  );
}
