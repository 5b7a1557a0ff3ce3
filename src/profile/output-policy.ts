/**
 * The administrator's allow-list of output directories (config.json "outputDirs"): on top of the
 * rules every write follows (profile/write.ts: absolute, no symlink as the final component, not
 * under /proc, /sys, /dev), of: must resolve to a place under one of them. Compared after
 * resolving symlinks on both sides, so a symlinked directory cannot lead out of the list. Checked
 * at prestart (refuse before the container runs) and again just before the write (the directory
 * may have been swapped for a symlink while the container ran).
 */
import { realpathSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { checkOutputPath } from '../io/write-file.js';

function under(path: string, root: string): boolean {
  return root === '/' || path === root || path.startsWith(root + '/');
}

/** Throws unless `path` passes checkOutputPath and, with an allow-list, lies under one of `dirs`. */
export function checkOutputAllowed(path: string, dirs: readonly string[] | undefined): string {
  const real = checkOutputPath(path);
  if (dirs === undefined) return real;
  for (const d of dirs) {
    let root: string;
    try {
      root = realpathSync(d);
    } catch {
      continue; // a listed directory that does not exist allows nothing
    }
    if (under(real, root)) return real;
  }
  throw new SeccompGenError('PATH', `${path}: not under an allowed output directory (outputDirs in the seccomp-gen config: ${dirs.join(', ') || 'none'})`);
}
