/** How the CLI talks: one red line for a user's error, a stack for a bug. */
import chalk from 'chalk';
import { describeError } from '../errors.js';
import type { Command } from './command.js';

function reportError(prefix: string, e: unknown): number {
  const { text, exitCode, bug } = describeError(prefix, e);
  process.stderr.write(`${bug ? text : chalk.red(text)}\n`);
  return exitCode;
}

/** Run a command as the CLI does: a thrown error becomes one line on stderr and an exit code. */
export async function runCommand(command: Command, args: string[]): Promise<number> {
  try {
    return await command.run(args);
  } catch (e) {
    return reportError(`seccomp-gen ${command.name}`, e);
  }
}
