/**
 * Where the broker keeps its socket and state: under the run directory (SECCOMP_GEN_RUN_DIR moves
 * both, so two installations, or two test checkouts, never meet). The run directory itself may be
 * traversed by anyone (0711) so users reach the socket and their tickets by name; every directory
 * with state in it stays 0700.
 *
 *   <run>/broker.sock                  the socket (0666: anyone may ask; the broker decides)
 *   <run>/broker/tickets/<random>.tok  proofs of a uid (tickets.ts), 0711: reachable, not listable
 *   <run>/broker/targets/<uid>/<id>.json   rootless containers being traced (records.ts)
 *   <run>/broker/unwritten/<uid>/<id>.json recordings whose poststop never came to take them
 */
import { join } from 'node:path';
import { runDir } from '../state/paths.js';

export function brokerSocketPath(): string {
  return join(runDir(), 'broker.sock');
}

export function brokerDir(): string {
  return join(runDir(), 'broker');
}

export function ticketsDir(): string {
  return join(brokerDir(), 'tickets');
}

export function brokerTargetsDir(uid?: number): string {
  return uid === undefined ? join(brokerDir(), 'targets') : join(brokerDir(), 'targets', String(uid));
}

export function brokerUnwrittenDir(uid?: number): string {
  return uid === undefined ? join(brokerDir(), 'unwritten') : join(brokerDir(), 'unwritten', String(uid));
}
