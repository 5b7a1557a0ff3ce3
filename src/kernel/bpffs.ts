/** The BPF filesystem, where the recorder's program and maps are pinned between hook runs. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';

export const BPFFS = '/sys/fs/bpf';

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
    execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new SeccompGenError('BPF', `cannot mount bpffs at ${BPFFS}${stderr ? ` (${stderr})` : ''}: run as root, or mount it: mount -t bpf bpf ${BPFFS}`);
  }
}
