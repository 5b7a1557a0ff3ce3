/**
 * The profile toolkit on profiles the hook really produced (test/fixtures/profiles/hook-*.json,
 * written by the poststop hook for busybox `ls /` and for nginx answering curl, in the replay
 * suite's images): they validate against the real libseccomp, merge, diff, convert and show.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { convert } from '../../src/cli/commands/convert.js';
import { diff } from '../../src/cli/commands/diff.js';
import { merge } from '../../src/cli/commands/merge.js';
import { show } from '../../src/cli/commands/show.js';
import { validate } from '../../src/cli/commands/validate.js';
import { reportError } from '../../src/cli/output.js';
import type { Command } from '../../src/cli/command.js';
import { fixture } from '../profile/helpers.js';

const LS = fixture('hook-ls.json');
const NGINX = fixture('hook-nginx.json');

let dir: string;
let out: string;
let err: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-hook-profiles-'));
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function run(command: Command, ...args: string[]): Promise<number> {
  try {
    return await command.run(args);
  } catch (e) {
    return reportError(`seccomp-gen ${command.name}`, e);
  }
}

type Json = { defaultAction: string; syscalls: { names: string[]; action: string }[] };
const allowed = (p: Json) => new Set(p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names));
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Json;

describe('profiles the hook produced', () => {
  it('validate against the real libseccomp', async () => {
    expect(await run(validate, LS, NGINX)).toBe(0);
    expect(err).toBe('');
  });

  it('merge into a profile that allows what each allows', async () => {
    const o = join(dir, 'both.json');
    expect(await run(merge, LS, NGINX, '-o', o)).toBe(0);
    const both = allowed(read(o));
    for (const n of [...allowed(read(LS)), ...allowed(read(NGINX))]) expect(both.has(n)).toBe(true);
    expect(await run(merge, o, o, '-o', join(dir, 'again.json'))).toBe(0);
    expect(readFileSync(join(dir, 'again.json'), 'utf8')).toBe(readFileSync(o, 'utf8'));
  });

  it('diff: nginx needs the network, ls does not', async () => {
    expect(await run(diff, LS, NGINX, '--exit-code')).toBe(1);
    for (const n of ['socket', 'bind', 'listen']) expect(out).toMatch(new RegExp(`\\+ ${n}\\b`));
    out = '';
    expect(await run(diff, LS, LS, '--exit-code')).toBe(0);
  });

  it('convert to the CRD and back keeps what is allowed', async () => {
    const crd = join(dir, 'ls.crd.yaml');
    const back = join(dir, 'ls.back.json');
    expect(await run(convert, LS, '--to', 'crd', '-o', crd)).toBe(0);
    expect(readFileSync(crd, 'utf8')).toMatch(/kind: SeccompProfile/);
    expect(await run(convert, crd, '--to', 'docker', '-o', back)).toBe(0);
    expect(allowed(read(back))).toEqual(allowed(read(LS)));
  });

  it('show counts what they allow against Docker\'s default', async () => {
    expect(await run(show, LS)).toBe(0);
    expect(out).toMatch(new RegExp(`allows\\s+${allowed(read(LS)).size} syscalls`));
    expect(out).toMatch(/Docker allows all of them/);
  });
});
