/** The BPF filesystem, where the recorder's program and maps are pinned between hook runs. */
import { readFileSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { runMountCommand } from '../io/mount.js';

export const BPFFS = '/sys/fs/bpf';
/** Where the recorder is pinned unless SECCOMP_GEN_PIN_DIR says otherwise. */
export const DEFAULT_PIN_DIR = `${BPFFS}/seccomp-gen`;

export function isBpffsMounted(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): boolean {
  // mountinfo: "id parent maj:min root mountpoint options … - fstype source superopts"
  return mountinfo.split('\n').some((line) => {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    return fields[4] === BPFFS && dash > 0 && fields[dash + 1] === 'bpf';
  });
}

/** Mount bpffs at /sys/fs/bpf if nothing is there (many distributions do not at boot). */
export function ensureBpffs(): void {
  if (isBpffsMounted()) return;
  try {
    runMountCommand('mount', ['-t', 'bpf', 'bpf', BPFFS]);
  } catch (e) {
    throw new SeccompGenError('BPF', `cannot mount bpffs at ${BPFFS} (${(e as Error).message}): run as root, or mount it: mount -t bpf bpf ${BPFFS}`);
  }
}
