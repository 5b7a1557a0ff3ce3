import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PROFILE_BYTES, jsonErrorOffset, parseJson, readRegularFile } from '../../src/io/json-file.js';
import { parseProfile, readProfileFile } from '../../src/profile/read.js';
import { SeccompGenError } from '../../src/errors.js';

function profileError(fn: () => unknown): SeccompGenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    expect((e as SeccompGenError).code).toBe('PROFILE');
    return e as SeccompGenError;
  }
  throw new Error('no error');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-read-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readRegularFile', () => {
  it('reads a regular file, and one through a symlink', () => {
    const path = join(dir, 'p.json');
    writeFileSync(path, 'héllo');
    expect(readRegularFile(path)).toBe('héllo');
    symlinkSync(path, join(dir, 'link.json'));
    expect(readRegularFile(join(dir, 'link.json'))).toBe('héllo');
  });

  it('a FIFO fails fast with "not a regular file" (no writer: it would block forever)', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    expect(profileError(() => readRegularFile(fifo)).message).toBe(`${fifo}: not a regular file`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('/dev/zero fails fast with "not a regular file"', () => {
    expect(profileError(() => readRegularFile('/dev/zero')).message).toBe('/dev/zero: not a regular file');
  });

  it('a directory is not a regular file', () => {
    expect(profileError(() => readRegularFile(dir)).message).toBe(`${dir}: not a regular file`);
  });

  it('a missing file says which and why', () => {
    const path = join(dir, 'missing.json');
    expect(profileError(() => readRegularFile(path)).message).toBe(`${path}: cannot open (ENOENT)`);
  });

  it('refuses a file over the limit without reading it', () => {
    const path = join(dir, 'big.json');
    writeFileSync(path, '');
    truncateSync(path, MAX_PROFILE_BYTES + 1); // sparse: nothing is really written
    expect(profileError(() => readRegularFile(path)).message).toBe(
      `${path}: too large (${MAX_PROFILE_BYTES + 1} bytes, limit ${MAX_PROFILE_BYTES})`,
    );
  });

  it('takes a file exactly at the limit, and honours a smaller limit', () => {
    const path = join(dir, 'ten');
    writeFileSync(path, '0123456789');
    expect(readRegularFile(path, 10)).toBe('0123456789');
    expect(profileError(() => readRegularFile(path, 9)).message).toMatch(/too large \(10 bytes, limit 9\)/);
  });
});

describe('parseJson', () => {
  it('parses valid JSON', () => {
    expect(parseJson('{"a":[1,2]}', 'x')).toEqual({ a: [1, 2] });
  });

  it.each([
    ['a stray comma', '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [,]\n}', 'line 3, column 16'],
    ['a trailing comma', '{\n  "a": 1,\n}', 'line 3, column 1'],
    ['an unquoted word', '{\n  "defaultAction": SCMP_ACT_ERRNO\n}', 'line 2, column 20'],
    ['a misspelt literal', '{"a": tru}', 'line 1, column 10'], // where "true" breaks off
    ['a bad escape', '{\n"a": "\\x"\n}', 'line 2, column 8'],
    ['text after the value', '{}\n{}', 'line 2, column 1'],
    ['a missing colon', '{"a" 1}', 'line 1, column 6'],
    ['a raw newline in a string', '{"a": "b\nc"}', 'line 1, column 9'],
    ['a bad number', '[1, -x]', 'line 1, column 6'],
    ['a comment', '{\n  // allow read\n  "a": 1\n}', 'line 2, column 3'],
  ])('says line and column of %s', (_what, text, where) => {
    expect(profileError(() => parseJson(text, '/p.json')).message).toBe(`/p.json: not valid JSON (${where})`);
  });

  it('truncated text: the error is just past the end', () => {
    // line 2 is '  "a": [1,' (10 characters): the next value was due in column 11
    expect(profileError(() => parseJson('{\n  "a": [1,', '/p.json')).message).toBe(
      '/p.json: not valid JSON (line 2, column 11)',
    );
    expect(profileError(() => parseJson('{"a": "unterminated', '/p.json')).message).toBe(
      '/p.json: not valid JSON (line 1, column 20)',
    );
  });

  it('an empty file says so', () => {
    expect(profileError(() => parseJson('', '/p.json')).message).toBe('/p.json: not valid JSON (empty file)');
    expect(profileError(() => parseJson(' \n', '/p.json')).message).toBe('/p.json: not valid JSON (empty file)');
  });

  it('never echoes the content', () => {
    const message = profileError(() => parseJson('{"token": hunter2-secret}', '/p.json')).message;
    expect(message).not.toMatch(/hunter2|secret/);
  });
});

describe('jsonErrorOffset', () => {
  it('agrees with JSON.parse wherever JSON.parse gives a position', () => {
    const texts = ['{,}', '[1,]', '{"a" 1}', '{"a":1,}', '{}{}', '"\\x"', '"a\nb"', '[1 2]', '{"a":1 "b":2}', '[01]', '[1.]', '[1e]', '"\\u12g4"'];
    for (const text of texts) {
      const m = /position (\d+)/.exec(((): string => {
        try {
          JSON.parse(text);
        } catch (e) {
          return (e as Error).message;
        }
        throw new Error(`${text} parsed`);
      })());
      if (m) expect([text, jsonErrorOffset(text)]).toEqual([text, Number(m[1])]);
    }
  });

  it('finds nothing wrong in valid JSON', () => {
    for (const text of ['{}', ' [] ', '{"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n"]}', '0', '-0.1E-2']) {
      expect(jsonErrorOffset(text)).toBeUndefined();
    }
  });

  it('does not overflow the stack on deep nesting', () => {
    expect(() => jsonErrorOffset('['.repeat(1_000_000))).not.toThrow();
    expect(profileError(() => parseJson('['.repeat(1_000_000), '/p.json')).message).toMatch(/not valid JSON \(line 1, column \d+\)/);
  });
});

describe('parseProfile', () => {
  it('accepts a profile and keeps fields it does not know', () => {
    const p = parseProfile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }], x: 1 }, 's');
    expect(p.syscalls?.[0]?.names).toEqual(['read']);
    expect((p as Record<string, unknown>).x).toBe(1);
  });

  it('a schema error points at the path', () => {
    const data = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['write'], action: 'ALLOW' },
      ],
    };
    expect(profileError(() => parseProfile(data, '/p.json')).message).toMatch(
      /^\/p\.json: not a seccomp profile: syscalls\[1\]\.action: /,
    );
  });

  it('points at nested argument fields and at missing keys', () => {
    const args = {
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 9, value: 1, op: 'SCMP_CMP_EQ' }] }],
    };
    expect(profileError(() => parseProfile(args, 'p')).message).toMatch(/syscalls\[0\]\.args\[0\]\.index: /);
    expect(profileError(() => parseProfile({}, 'p')).message).toMatch(/not a seccomp profile: defaultAction: /);
    expect(profileError(() => parseProfile([], 'p')).message).toMatch(/not a seccomp profile: /);
  });

  it('refuses a rule with no names, and architectures together with archMap', () => {
    expect(
      profileError(() => parseProfile({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ action: 'SCMP_ACT_ALLOW' }] }, 'p')).message,
    ).toMatch(/syscalls\[0\]: a rule needs "names"/);
    const both = { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], archMap: [{ architecture: 'SCMP_ARCH_X86_64' }] };
    expect(profileError(() => parseProfile(both, 'p')).message).toMatch(/architectures: use "architectures" or "archMap", not both/);
  });
});

describe('readProfileFile', () => {
  it('reads a profile file', () => {
    const path = join(dir, 'p.json');
    writeFileSync(path, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, syscalls: [] }));
    expect(readProfileFile(path)).toEqual({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, syscalls: [] });
  });

  it('names the file in each kind of error', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"defaultAction": }');
    expect(profileError(() => readProfileFile(bad)).message).toBe(`${bad}: not valid JSON (line 1, column 19)`); // the '}'
    const notProfile = join(dir, 'np.json');
    writeFileSync(notProfile, '{"defaultAction": "SCMP_ACT_NOPE"}');
    expect(profileError(() => readProfileFile(notProfile)).message).toMatch(new RegExp(`^${notProfile}: not a seccomp profile: defaultAction`));
    mkdirSync(join(dir, 'd.json'));
    expect(profileError(() => readProfileFile(join(dir, 'd.json'))).message).toMatch(/not a regular file/);
  });
});
