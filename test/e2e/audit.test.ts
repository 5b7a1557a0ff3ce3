/**
 * Complain mode for real: a container traced once, its profile turned into a LOG profile
 * (convert --to log), run doing something the trace never saw. The call is not refused, the
 * kernel logs it (here: no auditd, so the kernel log), and seccomp-gen audit turns the record
 * into an addition that, merged, lets the container run under the enforcing profile.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, allowed, readProfile, runUnder, trace, useWorkspace } from './support.js';

const ws = useWorkspace();
const cli = (...args: string[]) => spawnSync('node', [CLI, ...args], { encoding: 'utf8' });

describe('complain mode: convert --to log, then audit', () => {
  it('logs instead of refusing, and audit gives back what was missing', async () => {
    const traced = ws.path('ls.json');
    expect(trace(ws.hooksDir, traced, ['ls', '/']).status).toBe(0);
    expect(allowed(readProfile(traced)).has('mkdir')).toBe(false);
    const cmd = ['mkdir', '/tmp/made'];
    expect(runUnder(ws.hooksDir, traced, cmd).status).not.toBe(0); // enforcing: refused

    const logging = ws.path('ls.log.json');
    expect(cli('convert', traced, '--to', 'log', '-o', logging).status).toBe(0);
    await new Promise((r) => setTimeout(r, 5500)); // the kernel prints ~10 audit lines per 5 s: start with a full budget
    const since = String(Math.floor(Date.now() / 1000) - 1);
    const complain = runUnder(ws.hooksDir, logging, cmd);
    expect({ status: complain.status, stderr: complain.stderr }).toEqual({ status: 0, stderr: '' });

    const extra = ws.path('extra.json');
    const audit = cli('audit', '--since', since, '--comm', 'mkdir', '--base', traced, '-o', extra);
    expect(audit.status).toBe(0);
    expect(audit.stderr).toMatch(/records in (dmesg|journalctl -k|\/var\/log\/audit\/audit\.log)/);
    expect(allowed(readProfile(extra)).has('mkdir')).toBe(true);

    const merged = ws.path('merged.json');
    expect(cli('merge', traced, extra, '-o', merged).status).toBe(0);
    const replay = runUnder(ws.hooksDir, merged, cmd);
    expect({ status: replay.status, stderr: replay.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
