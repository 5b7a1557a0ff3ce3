import { describe, expect, it } from 'vitest';
import { splitCommand } from '../../src/cli/commands/record.js';

describe('record: splitCommand', () => {
  it('splits at the first --, keeping later -- for the command', () => {
    expect(splitCommand(['-o', 'x.json', '--', 'sh', '-c', 'echo', '--', '--help'])).toEqual({ own: ['-o', 'x.json'], command: ['sh', '-c', 'echo', '--', '--help'] });
  });

  it('without --, the command starts at the first word that is not an option or its value', () => {
    expect(splitCommand(['--if', 'b.json', '-o', 'x.json', 'ls', '-l'])).toEqual({ own: ['--if', 'b.json', '-o', 'x.json'], command: ['ls', '-l'] });
    expect(splitCommand(['--output=x.json', 'ls'])).toEqual({ own: ['--output=x.json'], command: ['ls'] });
  });

  it('gives no command when there is none', () => {
    expect(splitCommand(['-o', 'x.json'])).toEqual({ own: ['-o', 'x.json'], command: [] });
  });
});
