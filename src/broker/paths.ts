/**
 * Where the broker keeps its socket and tickets (its records: state/broker-records.ts): under the run directory (SECCOMP_GEN_RUN_DIR moves
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
import { brokerDir, runDir } from '../state/paths.js';

export { brokerDir };

export function brokerSocketPath(): string {
  return join(runDir(), 'broker.sock');
}

export function ticketsDir(): string {
  return join(brokerDir(), 'tickets');
}
