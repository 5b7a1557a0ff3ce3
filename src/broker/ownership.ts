/**
 * Whether process P is a container of uid X, decided by the broker (root) from /proc alone:
 * nothing a hook says is trusted (a user can point podman at hooks of their own).
 *
 * - P's user namespace is not the host's, and its root maps to X (first inside-0 line of
 *   /proc/P/uid_map, read from the initial namespace, so "outside" is a host uid). Only X (or
 *   root) can make such a namespace: writing a uid_map needs the mapped uid to be one's own, or
 *   CAP_SETUID over it in the parent namespace (newuidmap grants only /etc/subuid ranges, which
 *   never hold another user's uid).
 * - The target is P's PID namespace (what the hooks key by), or its mount namespace when P shares
 *   the host's PID namespace (--pid=host); never a namespace of the host: the broker's own, or
 *   pid 1's where it may be read (the broker's unit keeps the host's namespaces: no Private*=).
 * - Pid reuse: P's start time (/proc/P/stat field 22) is read before and after; if P exited and
 *   its pid went to another process meanwhile, the times differ (or the file is gone): refused.
 *   Node has no pidfd; this is the same guarantee for the span of the check.
 */
import { readFileSync, statSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import type { TargetKey } from '../kernel/target-codec.js';

export interface ProcReader {
  read(path: string): string;
  inode(path: string): number;
}

export const realProc: ProcReader = {
  read: (path) => readFileSync(path, 'utf8'),
  inode: (path) => statSync(path).ino,
};

/** The inodes of namespace `ns` the host is in: ours, and pid 1's when we may look (a VM's init may hide it). */
function hostNamespaces(proc: ProcReader, ns: string): number[] {
  const out = [proc.inode(`/proc/self/ns/${ns}`)];
  try {
    out.push(proc.inode(`/proc/1/ns/${ns}`));
  } catch {
    /* EACCES: ours stands for the host's */
  }
  return out;
}

export interface IdMapLine {
  inside: number;
  outside: number;
  count: number;
}

export function parseIdMap(text: string): IdMapLine[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter((f) => f.length === 3 && f.every((n) => Number.isInteger(n) && n >= 0))
    .map(([inside, outside, count]) => ({ inside: inside!, outside: outside!, count: count! }));
}

/** The host uid that `uid` inside a namespace with this map stands for, if mapped. */
export function outsideUid(map: readonly IdMapLine[], uid: number): number | undefined {
  const line = map.find((l) => uid >= l.inside && uid < l.inside + l.count);
  return line && line.outside + (uid - line.inside);
}

/** The identity map of the initial user namespace. */
function isIdentityMap(map: readonly IdMapLine[]): boolean {
  return map.length === 1 && map[0]!.inside === 0 && map[0]!.outside === 0 && map[0]!.count === 4294967295;
}

/** /proc/P/stat's starttime (field 22): the comm field may hold spaces and ')', so count from the last ')'. */
export function startTimeOf(stat: string): string {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = rest[19]; // fields 3… follow the ')': field 22 is the 20th of them
  if (start === undefined || !/^\d+$/.test(start)) throw new SeccompGenError('TARGET', 'unreadable /proc/PID/stat');
  return start;
}

function gone(pid: number): SeccompGenError {
  return new SeccompGenError('TARGET', `process ${pid} does not exist (or exited while it was checked)`);
}

/** The start time of `pid`, or undefined if it is gone. */
function processStart(pid: number, proc: ProcReader = realProc): string | undefined {
  try {
    return startTimeOf(proc.read(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/**
 * The namespace to trace for container process `pid` of host uid `uid`, with the process's start
 * time (kept to tell the container from a later process with the same pid); throws a refusal.
 */
export function ownedTarget(uid: number, pid: number, proc: ProcReader = realProc): { key: TargetKey; start: string } {
  const start = processStart(pid, proc);
  if (start === undefined) throw gone(pid);
  let key: TargetKey;
  try {
    if (hostNamespaces(proc, 'user').includes(proc.inode(`/proc/${pid}/ns/user`))) {
      throw new SeccompGenError('TARGET', `process ${pid} is not in a container of uid ${uid}: it runs in the host's user namespace`);
    }
    const root = outsideUid(parseIdMap(proc.read(`/proc/${pid}/uid_map`)), 0);
    if (root !== uid) {
      throw new SeccompGenError('TARGET', `process ${pid} is not in a container of uid ${uid}: its user namespace maps root to ${root === undefined ? 'nobody' : `uid ${root}`}`);
    }
    const pidns = proc.inode(`/proc/${pid}/ns/pid`);
    if (!hostNamespaces(proc, 'pid').includes(pidns)) {
      key = { kind: 'pid', inum: pidns };
    } else {
      const mntns = proc.inode(`/proc/${pid}/ns/mnt`);
      if (hostNamespaces(proc, 'mnt').includes(mntns)) {
        throw new SeccompGenError('TARGET', `process ${pid} shares both the PID and the mount namespace of the host: there is no container to trace`);
      }
      key = { kind: 'mnt', inum: mntns };
    }
  } catch (e) {
    if (e instanceof SeccompGenError) throw e;
    throw gone(pid); // a /proc file vanished: the process exited
  }
  if (processStart(pid, proc) !== start) throw gone(pid);
  return { key, start };
}

/** Whether the container traced as `key` through process `pid` (started at `start`) still runs. */
export function stillRunning(pid: number, key: TargetKey, start: string, proc: ProcReader = realProc): boolean {
  try {
    return proc.inode(`/proc/${pid}/ns/${key.kind}`) === key.inum && processStart(pid, proc) === start;
  } catch {
    return false;
  }
}

/**
 * Who this process is on the host: its uid there, and whether it lacks host root (a plain user,
 * or "root" inside a rootless podman's user namespace, as the hooks run for rootless containers).
 */
export function hostIdentity(read = (p: string) => readFileSync(p, 'utf8')): { uid: number; rootless: boolean } {
  const euid = process.geteuid?.() ?? 0;
  let map: IdMapLine[];
  try {
    map = parseIdMap(read('/proc/self/uid_map'));
  } catch {
    return { uid: euid, rootless: euid !== 0 };
  }
  if (isIdentityMap(map)) return { uid: euid, rootless: euid !== 0 };
  const uid = outsideUid(map, euid);
  if (uid === undefined) throw new SeccompGenError('STATE', `cannot tell this process's host uid from /proc/self/uid_map`);
  // Not the initial namespace: even "root" here has no capability over the host's BPF.
  return { uid, rootless: true };
}
