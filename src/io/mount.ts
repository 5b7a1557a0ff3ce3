/**
 * mount(8) and umount(8), which is how Node mounts (FFI stays in src/ffi/, for libbpf and
 * libseccomp), and what a mount namespace's mountinfo says about a mount point.
 * node:child_process is loaded only when one runs: a hook that mounts nothing does not pay for it.
 *
 * A mount that must outlive this process (a held namespace, tracing/hold.ts) is made in the
 * host's mount namespace, pid 1's, through nsenter(1) when ours is another one: a runtime may run
 * the hooks in a mount namespace of its own, which ends with it and would take the mount along.
 * Where pid 1's namespace cannot be looked at (a VM's init may hide it, as here), ours stands for
 * the host's.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Where lasting mounts are made: the nsenter(1) words that get there, and how its paths are reached from here. */
export interface MountPlace {
  enter: string[];
  /** Prefix of a path as that namespace sees it (/proc/1/root), or '' for ours. */
  root: string;
  /** Its mountinfo. */
  mountinfo: string;
}

const OURS: MountPlace = { enter: [], root: '', mountinfo: '/proc/self/mountinfo' };

/** The host's mount namespace, as seen from this process. */
export function hostMountPlace(): MountPlace {
  try {
    if (statSync('/proc/1/ns/mnt').ino === statSync('/proc/self/ns/mnt').ino) return OURS;
  } catch {
    return OURS; // pid 1's is hidden from us: ours is the host's as far as we can tell
  }
  return { enter: ['nsenter', '--mount=/proc/1/ns/mnt', '--'], root: '/proc/1/root', mountinfo: '/proc/1/mountinfo' };
}

/** Run `cmd args` (in `place`'s mount namespace); throws an Error whose message is the command's own stderr when it fails. */
export function runMountCommand(cmd: 'mount' | 'umount', args: string[], place: MountPlace = OURS): void {
  const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const [file, ...words] = [...place.enter, cmd, ...args];
  try {
    execFileSync(file!, words, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (e) {
    // mount(8) adds a second line about dmesg(1): the first says what failed.
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
    throw new Error(stderr || (e as Error).message, { cause: e });
  }
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * The mount on top at `path` (an absolute path with no symlink) in mountinfo `text`, and whether
 * it propagates to peers ("shared:N" among its optional fields); undefined: `path` is no mount point.
 */
export function mountAt(text: string, path: string): { shared: boolean } | undefined {
  let found: { shared: boolean } | undefined;
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const separator = fields.indexOf('-');
    if (separator < 6 || unescapeMountPath(fields[4]!) !== path) continue;
    found = { shared: fields.slice(6, separator).some((f) => f.startsWith('shared:')) }; // a later line is mounted over an earlier one
  }
  return found;
}

/** mountAt for `place`'s namespace, read now. */
export function mountIn(place: MountPlace, path: string): { shared: boolean } | undefined {
  return mountAt(readFileSync(place.mountinfo, 'utf8'), path);
}
