import { describe, expect, it } from 'vitest';
import { SeccompGenError } from '../../src/errors.js';
import { parse } from '../../src/cli/args.js';

describe('parse', () => {
  it('reads options and positionals', () => {
    const r = parse(['-o', 'out.json', 'a', '--json'], { output: { type: 'string', short: 'o' }, json: { type: 'boolean' } });
    expect(r.values).toEqual({ output: 'out.json', json: true });
    expect(r.positionals).toEqual(['a']);
  });

  it('turns an unknown option or a positional where none is allowed into a USAGE error', () => {
    for (const [args, allow] of [[['--nope'], true], [['x'], false]] as const) {
      let e: unknown;
      try {
        parse([...args], { json: { type: 'boolean' } }, allow);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(SeccompGenError);
      expect((e as SeccompGenError).code).toBe('USAGE');
    }
  });
});
