/**
 * Which OCI runtime runs the hook: the runtime itself executes prestart hooks (runc, crun), so it
 * is our parent process. Its name selects the runtime allowance (profile/runtime-allowance.ts).
 */
import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';

export function runtimeName(ppid = process.ppid): string | undefined {
  try {
    return basename(readlinkSync(`/proc/${ppid}/exe`)).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
}
