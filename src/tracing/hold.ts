/**
 * Every namespace a target is keyed by, PID or mount, is held alive until its recording is out of
 * the kernel, and a registration whose namespace cannot be held is refused (tracing/register.ts).
 *
 * Why: the recorder matches a task by its namespace's inode number, and the kernel hands a freed
 * number to the next new namespace at once (proc_alloc_inum() takes the lowest free one of an
 * IDA; measured here: `unshare -p` and `unshare -m` got a just-freed number every time). Between
 * a traced process's end and its take-out (poststop, `record` after its command, the broker's
 * take or gc), anyone's new namespace would be recorded into its profile, or, through the broker,
 * an unprivileged user's target would watch the next container of root's. A held namespace keeps
 * its number, so a target can only ever match the namespace it was registered for.
 *
 * How: a bind mount of /proc/PID/ns/{pid,mnt} on a file of ours holds a reference to the
 * namespace, as `ip netns add` and `unshare --mount=FILE` do; the number is taken until it is
 * unmounted. For a mount namespace the kernel adds two rules (fs/namespace.c), met here:
 * - do_loopback() refuses (EINVAL) to bind a mount-namespace file when mnt_ns_loop() says it could
 *   make a loop: when the namespace is not newer (mnt_namespace.seq) than the binder's own. Ours
 *   is the host's, older than every container's and every `record` command's; a namespace made
 *   before ours (a broker started later in a mount namespace of its own) cannot be held: refused.
 * - a bind mount on a shared mount is copied to its peers, and copy_tree() refuses (EINVAL) to copy
 *   a mount-namespace file, so the bind fails where the namespace would be bound into a peer,
 *   maybe into itself. So mount namespaces are held in a directory bind-mounted on itself and
 *   made private, as unshare(1) asks for --mount=FILE: nothing mounted there propagates.
 * New mount namespaces never get a copy of a held mount namespace (copy_tree() skips them), so
 * holding one never leaks into containers. Lasting mounts go to the host's mount namespace
 * (io/mount.ts): one of a runtime's own would end with it, and let the number go.
 */
import { closeSync, mkdirSync, openSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { keyName, sameKey, type TargetKey } from '../kernel/target-codec.js';
import { hostMountPlace, mountIn, runMountCommand, type MountPlace } from '../io/mount.js';
import { namesIn, runDir } from '../state/paths.js';
import { checkTargetKey } from '../state/targets.js';

function pinsDir(): string {
  return join(runDir(), 'ns');
}

/** Mount namespaces are held apart, in a private mount (see above). */
function mntPinsDir(): string {
  return join(pinsDir(), 'mnt');
}

function pinPath(key: TargetKey): string {
  return key.kind === 'pid' ? join(pinsDir(), `pid-${key.inum}`) : join(mntPinsDir(), `mnt-${key.inum}`);
}

/** `dir`, bind-mounted on itself and private (not shared) in `place`'s namespace, if it is not already. */
function makePrivateMount(dir: string, place: MountPlace): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const real = realpathSync(dir);
  const mount = mountIn(place, real);
  if (mount && !mount.shared) return;
  // mount(8) applies --make-private after the bind, in the same run (util-linux 2.23 and later).
  runMountCommand('mount', mount ? ['--make-private', real] : ['--bind', '--make-private', real, real], place);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Hold `key`'s namespace alive through process `pid`'s handle on it; throws a TARGET error (the
 * registration is refused) when it cannot be held, or when it is not `key`'s any more.
 */
export function pinNamespace(key: TargetKey, pid: number): void {
  const place = hostMountPlace();
  const path = pinPath(key);
  const refuse = (why: string) => new SeccompGenError('TARGET', `cannot hold namespace ${keyName(key)} of process ${pid} (${why}): not traced, since its number could go to another namespace before its recording is out`);
  try {
    mkdirSync(pinsDir(), { recursive: true, mode: 0o700 });
    if (key.kind === 'mnt') makePrivateMount(mntPinsDir(), place);
    closeSync(openSync(path, 'a', 0o600));
    runMountCommand('mount', ['--bind', `/proc/${pid}/ns/${key.kind}`, path], place);
  } catch (e) {
    unpinNamespaces([key]);
    // The kernel binds a mount namespace only from an older one (mnt_ns_loop): say where to run.
    const hint = key.kind === 'mnt' ? '; a mount namespace can be held only from an older one: run the hooks and the broker in the host\'s' : '';
    throw refuse(`${(e as Error).message}${hint}`);
  }
  let held: number | undefined;
  try {
    held = statSync(`${place.root}${path}`).ino;
  } catch {
    /* unmounted meanwhile */
  }
  if (held !== key.inum) {
    unpinNamespaces([key]); // the process went, and its pid was taken by another one meanwhile
    throw refuse('it was gone before it could be held');
  }
}

/** Let these namespaces go (their recordings are out of the kernel): one umount(8) for them all. */
export function unpinNamespaces(keys: readonly TargetKey[]): void {
  const paths = keys.map(pinPath).filter(exists); // never held, or released already: nothing to do
  if (paths.length === 0) return;
  try {
    runMountCommand('umount', ['-l', ...paths], hostMountPlace());
  } catch {
    /* one not mounted (a failed pin): umount(8) goes on with the others, and its file alone goes */
  }
  for (const path of paths) {
    try {
      unlinkSync(path);
    } catch {
      /* gone meanwhile */
    }
  }
}

export function unpinNamespace(key: TargetKey): void {
  unpinNamespaces([key]);
}

/** Every key held now, by its file's name (pinPath's, read back). */
function heldKeys(): TargetKey[] {
  const keys: TargetKey[] = [];
  for (const dir of [pinsDir(), mntPinsDir()]) {
    for (const name of namesIn(dir)) {
      const [kind, inum] = name.split('-');
      try {
        const key = checkTargetKey({ kind, inum: Number(inum) });
        if (pinPath(key) === join(dir, name)) keys.push(key); // neither the other kind's nor another spelling of a number
      } catch {
        /* not a held namespace's file */
      }
    }
  }
  return keys;
}

/** Release every held namespace whose target is no longer in the kernel (gc, a detach). */
export function unpinAllBut(keys: readonly TargetKey[]): void {
  unpinNamespaces(heldKeys().filter((held) => !keys.some((k) => sameKey(k, held))));
}

/** The recorder, as far as taking targets out of it goes (a fake in gc's unit tests). */
interface Releasing {
  removeTarget(key: TargetKey): boolean;
  detachIfIdle(): boolean;
}

/** Take these targets out of the kernel, then let their namespaces go: the two never apart, in that order. */
export function releaseTargets(recorder: Releasing, keys: readonly TargetKey[]): void {
  for (const key of keys) recorder.removeTarget(key);
  unpinNamespaces(keys);
}

function releaseTarget(recorder: Releasing, key: TargetKey): void {
  releaseTargets(recorder, [key]);
}

/** Detach the program when no target is left, letting every held namespace (and their private mount) go with it. */
export function detachReleasing(recorder: Releasing): boolean {
  if (!recorder.detachIfIdle()) return false;
  unpinAllBut([]);
  const place = hostMountPlace();
  try {
    const real = realpathSync(mntPinsDir());
    if (namesIn(real).length === 0 && mountIn(place, real)) runMountCommand('umount', ['-l', real], place);
  } catch {
    /* never made, or busy: it stays for the next mount namespace held */
  }
  return true;
}
