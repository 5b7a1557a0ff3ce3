/**
 * outputDirs entries must be places no user can redirect: an entry that is a symlink, or with an
 * ancestor that is a symlink, not root's, or writable by others, could be swapped (`rm -r ws;
 * ln -s / ws` by whoever owns its parent) and let its owner write anywhere as root. Checked when
 * the config is loaded. A sticky, world-writable ancestor (/tmp) is fine when the next component
 * is root's: nobody else may rename or remove it there.
 */
import { lstatSync, type Stats } from 'node:fs';

type Lstat = (path: string) => Pick<Stats, 'uid' | 'mode' | 'isDirectory' | 'isSymbolicLink'>;

const STICKY = 0o1000;

/** Why `dir` (absolute, normalized) cannot be trusted as an output directory; undefined if it can. */
export function untrustedDirReason(dir: string, lstat: Lstat = lstatSync): string | undefined {
  const parts = dir.split('/').filter(Boolean);
  const paths = ['/', ...parts.map((_, i) => '/' + parts.slice(0, i + 1).join('/'))];
  let previous: ReturnType<Lstat> | undefined;
  for (const [i, p] of paths.entries()) {
    let st: ReturnType<Lstat>;
    try {
      st = lstat(p);
    } catch {
      return undefined; // does not exist (yet): it allows nothing until it does, and is checked then
    }
    if (st.isSymbolicLink()) return `${p} is a symlink: list the real directory`;
    if (!st.isDirectory()) return `${p} is not a directory`;
    const isEntry = i === paths.length - 1;
    if (previous && (previous.mode & 0o022) !== 0 && !((previous.mode & STICKY) !== 0 && st.uid === 0)) {
      return `${paths[i - 1]} is writable by others, who could replace ${p}: list a directory whose parents only root can change`;
    }
    if (!isEntry && st.uid !== 0) return `${p} belongs to uid ${st.uid}, who could replace what is inside: list a directory whose parents are root's`;
    previous = st;
  }
  return undefined;
}
