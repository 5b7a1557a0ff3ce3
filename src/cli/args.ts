/** node:util parseArgs with errors in our vocabulary. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SeccompGenError } from '../errors.js';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new SeccompGenError('USAGE', (e as Error).message);
  }
}
