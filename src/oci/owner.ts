/**
 * Who started the container: the audit login uid of its process. Podman's fork/exec model keeps
 * it (podman → conmon → runc → container all inherit the session's loginuid, even through sudo),
 * so `sudo podman run …` by alice gives alice's uid, and she can edit her profile without root.
 * 4294967295 (-1) means "not set" (started from a service, not a login): the file stays root's.
 */
import { readFileSync } from 'node:fs';

const UNSET = 4294967295;

export interface Owner {
  uid: number;
  gid?: number;
}

/** The primary group of `uid` from an /etc/passwd text, if listed. */
export function primaryGroup(uid: number, passwd: string): number | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && f[2] === String(uid) && /^\d+$/.test(f[3] ?? '')) return Number(f[3]);
  }
  return undefined;
}

/** Parse a loginuid file's text; undefined when unset or not a number. */
export function parseLoginUid(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return undefined;
  const uid = Number(t);
  return uid === UNSET || uid > 0xfffffffe ? undefined : uid;
}

/** The owner to give the profile of the container whose process is `pid`, when known. */
export function containerOwner(pid: number, readFile = (p: string) => readFileSync(p, 'utf8')): Owner | undefined {
  let uid: number | undefined;
  try {
    uid = parseLoginUid(readFile(`/proc/${pid}/loginuid`));
  } catch {
    return undefined; // no audit support: leave the file to root
  }
  if (uid === undefined || uid === 0) return undefined;
  let gid: number | undefined;
  try {
    gid = primaryGroup(uid, readFile('/etc/passwd'));
  } catch {
    /* no group: keep root's */
  }
  return gid === undefined ? { uid } : { uid, gid };
}
