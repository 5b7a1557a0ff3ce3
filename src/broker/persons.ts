/**
 * The real person behind a host uid: what every limit of the broker counts, never the uid a client
 * proves. A user becomes any of their subordinate uids at will: newuidmap(1) maps their
 * /etc/subuid range into their user namespaces, so inside `podman unshare`, `setpriv --reuid=1`
 * is host uid <start>+1 (its ticket is then readable, and its namespaces map root to it); a setuid
 * file chowned there runs as that uid in the host's user namespace too (checked here: `id` copied,
 * chown 1, chmod 4755, run from outside: euid=231072), and a user namespace made from that process
 * is owned by it. So the owner of the outermost user namespace below the host's (what the
 * NS_GET_USERNS/NS_GET_PARENT/NS_GET_OWNER_UID ioctls would tell, through a third FFI file) can
 * itself be a subordinate uid: the ranges of /etc/subuid are what says whose it is. A uid in
 * nobody's range is its own person (only root makes such uids).
 *
 * Ranges handed out by an NSS subid plugin (shadow's `subid:` in nsswitch.conf) are not in
 * /etc/subuid and are not seen here (README).
 */
import { readFileSync, statSync } from 'node:fs';

const SUBUID_FILE = '/etc/subuid';
const PASSWD_FILE = '/etc/passwd';

export interface SubidRange {
  /** The user the range belongs to: a login name or a uid, as written. */
  owner: string;
  start: number;
  count: number;
}

/** The lines `owner:start:count` of /etc/subuid; anything else (comments, junk) is skipped. */
export function parseSubids(text: string): SubidRange[] {
  const out: SubidRange[] = [];
  for (const line of text.split('\n')) {
    const m = /^([^:#\s][^:\s]*):(\d+):(\d+)\s*$/.exec(line);
    if (m) out.push({ owner: m[1]!, start: Number(m[2]), count: Number(m[3]) });
  }
  return out;
}

/** Login name → uid from /etc/passwd text. */
export function parsePasswd(text: string): Map<string, number> {
  const uids = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.split(':');
    if (name && uid !== undefined && /^\d+$/.test(uid) && !uids.has(name)) uids.set(name, Number(uid));
  }
  return uids;
}

/**
 * The person `uid` stands for: the owner of the first range that holds it (their uid), or `uid`
 * itself. A range whose owner cannot be named as a uid counts as the range's first uid: still
 * one person for the whole range.
 */
export function personOf(uid: number, ranges: readonly SubidRange[], uidOfName: (name: string) => number | undefined): number {
  const range = ranges.find((r) => uid >= r.start && uid < r.start + r.count);
  if (!range) return uid;
  return /^\d+$/.test(range.owner) ? Number(range.owner) : (uidOfName(range.owner) ?? range.start);
}

/** personOf over this host's files, read again whenever /etc/subuid or /etc/passwd changes. */
export class Persons {
  private stamp = '';
  private ranges: SubidRange[] = [];
  private names = new Map<string, number>();

  constructor(private readonly files = { subuid: SUBUID_FILE, passwd: PASSWD_FILE }) {}

  private refresh(): void {
    const stamp = [this.files.subuid, this.files.passwd].map((f) => {
      try {
        const st = statSync(f);
        return `${st.ino}:${st.mtimeMs}:${st.size}`;
      } catch {
        return '-';
      }
    }).join('/');
    if (stamp === this.stamp) return;
    const read = (f: string) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return ''; // no subordinate ids on this host: every uid is its own person
      }
    };
    this.ranges = parseSubids(read(this.files.subuid));
    this.names = parsePasswd(read(this.files.passwd));
    this.stamp = stamp;
  }

  of(uid: number): number {
    this.refresh();
    return personOf(uid, this.ranges, (name) => this.names.get(name));
  }

  /** `uid` as a message names it: with its person when that is someone else. */
  describe(uid: number): string {
    const person = this.of(uid);
    return person === uid ? `uid ${uid}` : `uid ${uid} (a subordinate uid of uid ${person})`;
  }
}
