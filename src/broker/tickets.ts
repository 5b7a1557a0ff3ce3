/**
 * Proof of a client's host uid without SO_PEERCRED (Node has none, and FFI stays in two files):
 * the client says "I am uid X"; the broker writes a fresh random token into a file it names
 * itself, owned by X with mode 0400, in a root directory that may be traversed but not listed
 * (0711); the client must send the token back. Only X can read it — or root, or a process whose
 * user namespace maps X and holds CAP_DAC_OVERRIDE there, i.e. X's own rootless namespaces (a
 * file whose owner is not mapped in a namespace is beyond that namespace's capabilities).
 * A ticket lives for one connection: it is removed when the client proves it, or leaves.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fchownSync, mkdirSync, openSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { namesIn } from '../state/paths.js';
import { ticketsDir } from './paths.js';

export interface Ticket {
  path: string;
  token: string;
  uid: number;
}

/** The tickets directory, root's and 0711, whatever was there before. */
function ensureTicketsDir(): string {
  const dir = ticketsDir();
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const st = statSync(dir);
  if (st.uid !== 0 || (st.mode & 0o777) !== 0o711) chmodSync(dir, 0o711);
  return dir;
}

export function issueTicket(uid: number): Ticket {
  const dir = ensureTicketsDir();
  const token = randomBytes(32).toString('hex');
  const path = join(dir, `${randomBytes(16).toString('hex')}.tok`);
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o400);
  try {
    writeSync(fd, token);
    fchownSync(fd, uid, 0);
  } catch (e) {
    closeSync(fd);
    removeTicket({ path, token, uid });
    throw e;
  }
  closeSync(fd);
  return { path, token, uid };
}

/** Whether `token` is the ticket's (constant time: the comparison leaks nothing of it). */
export function ticketMatches(ticket: Ticket, token: string): boolean {
  const a = Buffer.from(ticket.token);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function removeTicket(ticket: Ticket): void {
  try {
    unlinkSync(ticket.path);
  } catch {
    /* already gone */
  }
}

/** Tickets a previous broker left (killed mid-exchange): none of them is valid any more. */
export function clearTickets(): void {
  for (const f of namesIn(ticketsDir())) {
    try {
      unlinkSync(join(ticketsDir(), f));
    } catch {
      /* gone meanwhile */
    }
  }
}
