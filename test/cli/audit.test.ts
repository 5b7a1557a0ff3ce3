import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { audit } from '../../src/cli/commands/audit.js';
import { convert } from '../../src/cli/commands/convert.js';
import { merge } from '../../src/cli/commands/merge.js';
import { reportError } from '../../src/cli/output.js';
import type { Command } from '../../src/cli/command.js';
import { fixture } from '../profile/helpers.js';

const DMESG = fileURLToPath(new URL('../fixtures/audit/dmesg.txt', import.meta.url));
const AUDIT_LOG = fileURLToPath(new URL('../fixtures/audit/audit.log', import.meta.url));
let dir: string;
let out: string;
let err: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-audit-'));
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

describe('convert --to log', () => {
  it('keeps the rules, answers LOG by default and takes no default errno', async () => {
    expect(await run(convert, fixture('hook-ls.json'), '--to', 'log')).toBe(0);
    const logged = JSON.parse(out);
    const original = JSON.parse(readFileSync(fixture('hook-ls.json'), 'utf8'));
    expect(logged.defaultAction).toBe('SCMP_ACT_LOG');
    expect(logged.defaultErrnoRet).toBeUndefined();
    expect(logged.syscalls.map((r: { names: string[]; action: string }) => [r.action, r.names])).toEqual(
      original.syscalls.map((r: { names: string[]; action: string }) => [r.action, r.names]),
    );
  });

  it('warns when there was nothing refused to log', async () => {
    const logged = join(dir, 'log.json');
    expect(await run(convert, fixture('hook-ls.json'), '--to', 'log', '-o', logged)).toBe(0);
    expect(await run(convert, logged, '--to', 'log')).toBe(0);
    expect(err).toMatch(/already SCMP_ACT_LOG/);
  });
});

describe('seccomp-gen audit', () => {
  it('turns records into additions, says what it used, and merges into the profile in force', async () => {
    const extra = join(dir, 'extra.json');
    expect(await run(audit, '--from', AUDIT_LOG, '--base', fixture('hook-ls.json'), '-o', extra)).toBe(0);
    expect(err).toMatch(/2 syscalls from 2 of 2 records in .*audit\.log \(1 LOG, 1 ERRNO\): accept4, epoll_wait/);
    const additions = JSON.parse(readFileSync(extra, 'utf8'));
    expect(additions.defaultErrnoRet).toBe(38);
    const merged = join(dir, 'merged.json');
    expect(await run(merge, fixture('hook-ls.json'), extra, '-o', merged)).toBe(0);
    const names = JSON.parse(readFileSync(merged, 'utf8')).syscalls.flatMap((r: { names: string[] }) => r.names);
    expect(names).toEqual(expect.arrayContaining(['accept4', 'epoll_wait', 'execve']));
  });

  it('filters by --since and --comm', async () => {
    expect(await run(audit, '--from', DMESG, '--since', '1795427391')).toBe(0);
    expect(JSON.parse(out).syscalls[0].names).toEqual(['mkdir', 'mount', 'open', 'write']);
    out = '';
    expect(await run(audit, '--from', DMESG, '--comm', 'mkdir')).toBe(0);
    expect(JSON.parse(out).syscalls[0].names).toEqual(['mkdir']);
    expect(err).toMatch(/no name known to libseccomp.*SCMP_ARCH_X86_64 #499/);
  });

  it('refuses a --since it cannot read, and a --from that does not exist', async () => {
    expect(await run(audit, '--from', DMESG, '--since', 'soon')).toBe(2);
    expect(err).toMatch(/--since: "soon"/);
    expect(await run(audit, '--from', join(dir, 'none.log'))).toBe(1);
    expect(err).toMatch(/none\.log: cannot read \(ENOENT\)/);
  });
});
