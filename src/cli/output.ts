/** How the CLI talks: one red line for a user's error, a stack for a bug. */
import chalk from 'chalk';
import { isSeccompGenError } from '../errors.js';

export function reportError(prefix: string, e: unknown): number {
  if (isSeccompGenError(e)) {
    process.stderr.write(`${chalk.red(`${prefix}: ${e.message}`)}\n`);
    return e.code === 'USAGE' ? 2 : 1;
  }
  process.stderr.write(`${prefix}: internal error (please report):\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 70;
}
