/**
 * File work done as another user, so that the kernel itself decides what they may read and
 * write: the root hook must never write or read, for whoever started a container, a place that
 * person could not. Checking permissions by hand (modes, ACLs, groups, capabilities, mounts)
 * would be a second, wrong copy of the kernel's rules; switching the effective identity uses
 * the real ones.
 *
 * seteuid/setegid/setgroups change the whole process (glibc applies them to every thread), and
 * everything done inside is synchronous, so nothing else of ours runs as that user meanwhile.
 * The effective capabilities drop with the euid and come back with it (the saved uid stays 0).
 * Cost, measured here: ~0.9 ms for a switch and back (initgroups and glibc signalling each of
 * Node's threads included), against ~2 ms to start a child /bin/true as the user and ~80 ms a child node (which
 * would have to do the file work itself).
 */
import { readFileSync } from 'node:fs';

export interface Identity {
  uid: number;
  /** Primary group; the overflow group when the user is unknown to /etc/passwd. */
  gid: number;
}

/** Node has process.initgroups (initgroups(3)) but @types/node 20 does not declare it. */
type WithInitgroups = NodeJS.Process & { initgroups?: (user: string | number, extraGroup: string | number) => void };

/** nogroup: what a user gets who has no passwd entry to name a primary group. */
const OVERFLOW_GID = 65534;

/** The primary group of `uid` from an /etc/passwd text, if listed. */
export function primaryGroup(uid: number, passwd: string): number | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && f[2] === String(uid) && /^\d+$/.test(f[3] ?? '')) return Number(f[3]);
  }
  return undefined;
}

export function identityOf(uid: number, gid?: number): Identity {
  if (gid !== undefined) return { uid, gid };
  let found: number | undefined;
  try {
    found = primaryGroup(uid, readFileSync('/etc/passwd', 'utf8'));
  } catch {
    /* no passwd: the overflow group */
  }
  return { uid, gid: found ?? OVERFLOW_GID };
}

/** Whether this process can take another identity (root), and `who` differs from ours. */
function needsSwitch(who: Identity | undefined): who is Identity {
  return who !== undefined && process.geteuid?.() === 0 && who.uid !== 0;
}

/**
 * Run `fn` with `who`'s uid, primary group and supplementary groups (initgroups, as login would
 * give them), then return to root. Without `who` (or for uid 0) it runs as we are. The working
 * directory is restored as root: `fn` may have left it somewhere, and only root may be able to
 * return to where we were.
 */
export function asIdentity<T>(who: Identity | undefined, fn: () => T): T {
  if (!needsSwitch(who)) return fn();
  const cwd = process.cwd();
  const groups = process.getgroups!();
  const egid = process.getegid!();
  try {
    try {
      (process as WithInitgroups).initgroups!(who.uid, who.gid);
    } catch {
      process.setgroups!([who.gid]); // not in the user database: their primary group alone
    }
    process.setegid!(who.gid);
    process.seteuid!(who.uid);
    return fn();
  } finally {
    process.seteuid!(0);
    process.setegid!(egid);
    process.setgroups!(groups);
    try {
      process.chdir(cwd);
    } catch {
      process.chdir('/');
    }
  }
}
