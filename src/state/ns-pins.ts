/**
 * A traced PID namespace is kept alive until its recording is taken out. The recorder keys a
 * target by the namespace's inode number, and the kernel hands a freed number to the next new
 * namespace within half a second (measured here: four `unshare -p` half a second apart got the
 * same one three times). Between a container's exit and its poststop, another container starting
 * would then be recorded into this one's profile: calls it never made, made by someone else. A
 * bind mount of /proc/PID/ns/pid on a file of ours holds a reference (as `ip netns` does), so the
 * number stays taken until we unmount it.
 *
 * Only PID namespaces: a mount namespace cannot be bind-mounted where it would propagate into
 * itself, and --pid=host containers and `record` are rare enough to say so instead (README).
 */
import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sameKey, type TargetKey } from '../kernel/target-codec.js';
import { runMountCommand } from '../io/mount.js';
import { namesIn, runDir } from './paths.js';

function pinsDir(): string {
  return join(runDir(), 'ns');
}

function pinPath(key: TargetKey): string {
  return join(pinsDir(), `${key.kind}-${key.inum}`);
}

/**
 * Hold `key`'s namespace alive through process `pid`'s handle on it. Returns why it could not be
 * held (tracing goes on: the kernel entry is what records), or undefined when it is held.
 */
export function pinNamespace(key: TargetKey, pid: number): string | undefined {
  if (key.kind !== 'pid') return undefined;
  const path = pinPath(key);
  try {
    mkdirSync(pinsDir(), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
    runMountCommand('mount', ['--bind', `/proc/${pid}/ns/pid`, path]);
  } catch (e) {
    unpinNamespace(key);
    return `cannot hold namespace ${key.kind}:${key.inum} (${(e as Error).message})`;
  }
  if (statSync(path).ino !== key.inum) {
    unpinNamespace(key); // the process went, and its pid was taken by another one meanwhile
    return `namespace ${key.kind}:${key.inum} was gone before it could be held`;
  }
  return undefined;
}

/** Let `key`'s namespace go (its recording is out of the kernel). */
export function unpinNamespace(key: TargetKey): void {
  if (key.kind !== 'pid') return;
  const path = pinPath(key);
  try {
    statSync(path);
  } catch {
    return; // never held, or released already
  }
  try {
    runMountCommand('umount', ['-l', path]);
  } catch {
    /* not mounted (a failed pin): the file alone goes */
  }
  try {
    unlinkSync(path);
  } catch {
    /* gone meanwhile */
  }
}

/** Release every held namespace whose target is no longer in the kernel (gc, a detach). */
export function unpinAllBut(keys: readonly TargetKey[]): void {
  for (const name of namesIn(pinsDir())) {
    const m = /^(pid|mnt)-(\d+)$/.exec(name);
    if (!m) continue;
    const key: TargetKey = { kind: m[1] as TargetKey['kind'], inum: Number(m[2]) };
    if (!keys.some((k) => sameKey(k, key))) unpinNamespace(key);
  }
}

/** The recorder, as far as taking targets out of it goes (a fake in gc's unit tests). */
interface Releasing {
  removeTarget(key: TargetKey): boolean;
  detachIfIdle(): boolean;
}

/** Take `key`'s target out of the kernel and let its namespace go: the two never apart. */
export function releaseTarget(recorder: Releasing, key: TargetKey): void {
  recorder.removeTarget(key);
  unpinNamespace(key);
}

/** Detach the program when no target is left, letting every held namespace go with it. */
export function detachReleasing(recorder: Releasing): boolean {
  if (!recorder.detachIfIdle()) return false;
  unpinAllBut([]);
  return true;
}
