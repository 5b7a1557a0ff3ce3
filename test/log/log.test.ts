import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logEvent, logFile, setLogFile } from '../../src/log/log.js';

let dir: string;
const saved = process.env.SECCOMP_GEN_LOG;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-log-'));
  delete process.env.SECCOMP_GEN_LOG;
  setLogFile(undefined);
});
afterEach(() => {
  if (saved === undefined) delete process.env.SECCOMP_GEN_LOG;
  else process.env.SECCOMP_GEN_LOG = saved;
  setLogFile(undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('logEvent', () => {
  it('defaults to /var/log/seccomp-gen.log; the config sets it, SECCOMP_GEN_LOG wins', () => {
    expect(logFile()).toBe('/var/log/seccomp-gen.log');
    setLogFile('/a.log');
    expect(logFile()).toBe('/a.log');
    process.env.SECCOMP_GEN_LOG = '/b.log';
    expect(logFile()).toBe('/b.log');
  });

  it('appends one line per event, with time, stage, event, fields and message', () => {
    const path = join(dir, 'sg.log');
    setLogFile(path);
    logEvent('prestart', 'traced', { id: 'abc', output: '/tmp/o.json', skipped: undefined });
    logEvent('prestart', 'refused', { id: 'def' }, 'bad annotation');
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+Z pid=\d+ prestart traced id=abc output=\/tmp\/o\.json$/);
    expect(lines[1]).toMatch(/ prestart refused id=def: bad annotation$/);
  });

  it('keeps a user-chosen text with newlines on one line (no forged log lines)', () => {
    const path = join(dir, 'sg.log');
    setLogFile(path);
    logEvent('prestart', 'refused', { output: '/tmp/x\n2099 prestart traced' }, 'a\nb');
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    // The newlines are written as \n, inside the quoted field and the message: one event, all of it kept.
    expect(lines[0]).toMatch(/^\S+ pid=\d+ prestart refused output="\/tmp\/x\\n2099 prestart traced": a\\nb$/);
  });

  it('quotes a path with spaces, C1 or bidi characters: no forged output= field, nothing a terminal would act on', () => {
    const path = join(dir, 'sg.log');
    setLogFile(path);
    logEvent('prestart', 'traced', { id: 'abc', output: '/tmp/x output=/etc/passwd' });
    logEvent('prestart', 'traced', { id: 'abc', output: '/tmp/\u009b2K\u202eevil\x1b[2K\r.json' }, 'of: /tmp/\u202e\x1b[2K');
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[0]).toMatch(/ id=abc output="\/tmp\/x output=\/etc\/passwd"$/);
    const fields = [...lines[0]!.matchAll(/ (\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)].map((m) => m[1]);
    expect(fields).toEqual(['pid', 'id', 'output']); // read field by field, a quoted value is one field
    expect(lines[1]).toBe(lines[1]!.replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, ''));
    expect(lines[1]).toMatch(/output="\/tmp\/\\u\{9b\}2K\\u\{202e\}evil\\e\[2K\\r\.json": of: \/tmp\/\\u\{202e\}\\e\[2K$/);
  });

  it('cuts a huge field, and moves a log past its size to <log>.1 (one old file kept)', () => {
    const path = join(dir, 'sg.log');
    setLogFile(path);
    logEvent('prestart', 'traced', { output: `/${'a'.repeat(120_000)}` });
    expect(readFileSync(path, 'utf8').length).toBeLessThan(5000);
    for (let i = 0; i < 30; i++) logEvent('prestart', 'traced', { n: i }, undefined, 2000);
    const current = readFileSync(path, 'utf8');
    const old = readFileSync(`${path}.1`, 'utf8');
    expect(current.length).toBeLessThan(2100);
    expect(old.length).toBeLessThan(2100 + 5000);
    expect(current).toMatch(/ n=29\n$/);
  });

  it('never throws: a missing directory, a directory, a symlink', () => {
    setLogFile(join(dir, 'no', 'such', 'dir.log'));
    expect(() => logEvent('poststop', 'written')).not.toThrow();
    mkdirSync(join(dir, 'adir'));
    setLogFile(join(dir, 'adir'));
    expect(() => logEvent('poststop', 'written')).not.toThrow();
    const target = join(dir, 'target');
    writeFileSync(target, 'keep\n');
    symlinkSync(target, join(dir, 'link.log'));
    setLogFile(join(dir, 'link.log'));
    expect(() => logEvent('poststop', 'written')).not.toThrow();
    expect(readFileSync(target, 'utf8')).toBe('keep\n'); // not appended through the symlink
  });
});
