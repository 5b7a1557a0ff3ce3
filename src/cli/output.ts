/** How the CLI talks: one red line for a user's error, a stack for a bug. */
import chalk from 'chalk';
import { describeError } from '../errors.js';

export function reportError(prefix: string, e: unknown): number {
  const { text, exitCode, bug } = describeError(prefix, e);
  process.stderr.write(`${bug ? text : chalk.red(text)}\n`);
  return exitCode;
}
