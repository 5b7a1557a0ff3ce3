import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logRuntimeError } from '../../src/runtime/runtime-log.js';

describe('logRuntimeError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-rtlog-'));

  it('appends one error line in the engine\'s format: json, or logfmt text', () => {
    const log = join(dir, 'json.log');
    logRuntimeError(log, 'json', 'cannot trace: "x"');
    logRuntimeError(log, 'json', 'again');
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([['error', 'cannot trace: "x"'], ['error', 'again']]);
    expect(Number.isNaN(Date.parse(lines[0].time))).toBe(false);
    const text = join(dir, 'text.log');
    logRuntimeError(text, 'text', 'a "quoted" word');
    expect(readFileSync(text, 'utf8')).toMatch(/^time="\S+Z" level=error msg="a \\"quoted\\" word"\n$/);
  });

  it('does nothing with no log, and never writes through a symlink or throws', () => {
    expect(() => logRuntimeError(undefined, 'json', 'x')).not.toThrow();
    const target = join(dir, 'target');
    writeFileSync(target, 'keep\n');
    symlinkSync(target, join(dir, 'link.log'));
    expect(() => logRuntimeError(join(dir, 'link.log'), 'json', 'x')).not.toThrow();
    expect(readFileSync(target, 'utf8')).toBe('keep\n');
    expect(() => logRuntimeError(join(dir, 'no/such/dir.log'), 'json', 'x')).not.toThrow();
  });
});
