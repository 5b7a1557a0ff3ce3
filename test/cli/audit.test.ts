import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/cli/commands/audit.js';
import { convert } from '../../src/cli/commands/convert.js';
import { merge } from '../../src/cli/commands/merge.js';
import { fixture } from '../profile/helpers.js';
import { run, useCliHarness } from './harness.js';

const DMESG = fileURLToPath(new URL('../fixtures/audit/dmesg.txt', import.meta.url));
const AUDIT_LOG = fileURLToPath(new URL('../fixtures/audit/audit.log', import.meta.url));
const io = useCliHarness('sg-audit-');

describe('convert --to log', () => {
  it('keeps the rules, answers LOG by default and takes no default errno', async () => {
    expect(await run(convert, fixture('hook-ls.json'), '--to', 'log')).toBe(0);
    const logged = JSON.parse(io.out);
    const original = JSON.parse(readFileSync(fixture('hook-ls.json'), 'utf8'));
    expect(logged.defaultAction).toBe('SCMP_ACT_LOG');
    expect(logged.defaultErrnoRet).toBeUndefined();
    expect(logged.syscalls.map((r: { names: string[]; action: string }) => [r.action, r.names])).toEqual(
      original.syscalls.map((r: { names: string[]; action: string }) => [r.action, r.names]),
    );
  });

  it('warns when there was nothing refused to log', async () => {
    const logged = join(io.dir, 'log.json');
    expect(await run(convert, fixture('hook-ls.json'), '--to', 'log', '-o', logged)).toBe(0);
    expect(await run(convert, logged, '--to', 'log')).toBe(0);
    expect(io.err).toMatch(/already SCMP_ACT_LOG/);
  });
});

describe('seccomp-gen audit', () => {
  it('turns records into additions, says what it used, and merges into the profile in force', async () => {
    const extra = join(io.dir, 'extra.json');
    expect(await run(audit, '--from', AUDIT_LOG, '--base', fixture('hook-ls.json'), '-o', extra)).toBe(0);
    expect(io.err).toMatch(/2 syscalls from 2 of 2 records in .*audit\.log \(1 LOG, 1 ERRNO\): accept4, epoll_wait/);
    const additions = JSON.parse(readFileSync(extra, 'utf8'));
    expect(additions.defaultErrnoRet).toBe(38);
    const merged = join(io.dir, 'merged.json');
    expect(await run(merge, fixture('hook-ls.json'), extra, '-o', merged)).toBe(0);
    const names = JSON.parse(readFileSync(merged, 'utf8')).syscalls.flatMap((r: { names: string[] }) => r.names);
    expect(names).toEqual(expect.arrayContaining(['accept4', 'epoll_wait', 'execve']));
  });

  it('filters by --since and --comm', async () => {
    expect(await run(audit, '--from', DMESG, '--since', '1795427391')).toBe(0);
    expect(JSON.parse(io.out).syscalls[0].names).toEqual(['mkdir', 'mount', 'open', 'write']);
    io.out = '';
    expect(await run(audit, '--from', DMESG, '--comm', 'mkdir')).toBe(0);
    expect(JSON.parse(io.out).syscalls[0].names).toEqual(['mkdir']);
    expect(io.err).toMatch(/no name known to libseccomp.*SCMP_ARCH_X86_64 #499/);
  });

  it('refuses a --since it cannot read, and a --from that does not exist', async () => {
    expect(await run(audit, '--from', DMESG, '--since', 'soon')).toBe(2);
    expect(io.err).toMatch(/--since: "soon"/);
    expect(await run(audit, '--from', join(io.dir, 'none.log'))).toBe(1);
    expect(io.err).toMatch(/none\.log: cannot read \(ENOENT\)/);
  });
});
