/**
 * Who started the container: the audit login uid of its process. Podman's fork/exec model keeps
 * it (podman → conmon → runc → container all inherit the session's loginuid, even through sudo),
 * so `sudo podman run …` by alice gives alice's uid: her profile is written with her rights and
 * belongs to her (policy/output-policy.ts). 4294967295 (-1) means "not set" (started from a
 * service, not a login): nobody known, root's rules apply.
 */
import { readFileSync } from 'node:fs';
import { primaryGroup } from '../io/identity.js';

const UNSET = 4294967295;

export interface Owner {
  uid: number;
  gid?: number;
}

/** Parse a loginuid file's text; undefined when unset or not a number. */
export function parseLoginUid(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return undefined;
  const uid = Number(t);
  return uid === UNSET || uid > 0xfffffffe ? undefined : uid;
}

/** Who started the container whose process is `pid`, when known (root's own login: unknown). */
export function containerOwner(pid: number, readFile = (p: string) => readFileSync(p, 'utf8')): Owner | undefined {
  let uid: number | undefined;
  try {
    uid = parseLoginUid(readFile(`/proc/${pid}/loginuid`));
  } catch {
    return undefined; // no audit support: nobody known
  }
  if (uid === undefined || uid === 0) return undefined;
  let gid: number | undefined;
  try {
    gid = primaryGroup(uid, readFile('/etc/passwd'));
  } catch {
    /* no passwd: identityOf gives the overflow group when it matters */
  }
  return gid === undefined ? { uid } : { uid, gid };
}
