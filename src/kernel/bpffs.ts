/** The BPF filesystem, where the recorder's program and maps are pinned between hook runs. */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';

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
  // Loaded only here: bpffs is mounted once per boot, and the hooks should not pay for
  // node:child_process on every run.
  const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new SeccompGenError('BPF', `cannot mount bpffs at ${BPFFS}${stderr ? ` (${stderr})` : ''}: run as root, or mount it: mount -t bpf bpf ${BPFFS}`);
  }
}
