/**
 * Which namespace identifies a container to the recorder. Normally its PID namespace; a
 * container started with --pid=host shares the host's, so its mount namespace stands in
 * (upstream's issue #36). Inode numbers of /proc/PID/ns/* are the kernel's ns.inum.
 */
import { statSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import type { TargetKey } from './target-codec.js';

function nsInode(pid: number | 'self', ns: 'pid' | 'mnt'): number {
  const path = `/proc/${pid}/ns/${ns}`;
  try {
    return statSync(path).ino;
  } catch (e) {
    throw new SeccompGenError('TARGET', `cannot read ${path} (${(e as NodeJS.ErrnoException).code}): has the container's process exited?`);
  }
}

export function targetKeyOf(pid: number): TargetKey {
  const pidns = nsInode(pid, 'pid');
  if (pidns !== nsInode('self', 'pid')) return { kind: 'pid', inum: pidns };
  const mntns = nsInode(pid, 'mnt');
  if (mntns === nsInode('self', 'mnt')) {
    throw new SeccompGenError('TARGET', `process ${pid} shares both the PID and the mount namespace of the host: there is no container to trace`);
  }
  return { kind: 'mnt', inum: mntns };
}
