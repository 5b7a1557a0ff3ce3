/**
 * Where the seccomp audit records are: auditd's log when auditd runs (it takes the records, and
 * the kernel then prints none), else the kernel log — journalctl -k where journald keeps it,
 * else dmesg (the ring buffer: old lines fall out). Without auditd the kernel prints at most
 * about 10 audit lines per 5 s (printk rate limit) and drops the rest without a word (seen here):
 * the caller warns, and a second run after merging catches what was dropped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';

export const AUDIT_LOG = '/var/log/audit/audit.log';

export interface AuditText {
  text: string;
  /** Read from the kernel log, which the printk rate limit thins out. */
  kernelLog: boolean;
  /** What it was read from, for the summary. */
  source: string;
}

function run(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 512 * 1024 * 1024 });
  } catch {
    return undefined; // not installed, no journal, not allowed
  }
}

/** `from`: a file (or - for stdin); else the first source that exists here. */
export function readAuditText(from?: string, auditLog = AUDIT_LOG): AuditText {
  if (from !== undefined) {
    try {
      return { text: readFileSync(from === '-' ? 0 : from, 'utf8'), source: from === '-' ? 'stdin' : from, kernelLog: false };
    } catch (e) {
      throw new SeccompGenError('PATH', `${from}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (existsSync(auditLog)) {
    try {
      return { text: readFileSync(auditLog, 'utf8'), source: auditLog, kernelLog: false };
    } catch (e) {
      throw new SeccompGenError('PATH', `${auditLog}: cannot read (${(e as NodeJS.ErrnoException).code}): run as root`);
    }
  }
  const journal = run('journalctl', ['-k', '--no-pager', '-q', '-o', 'short-unix', '-g', 'type=1326']);
  if (journal !== undefined && journal.trim() !== '') return { text: journal, source: 'journalctl -k', kernelLog: true };
  const dmesg = run('dmesg', ['--notime']) ?? run('dmesg', []);
  if (dmesg !== undefined) return { text: dmesg, source: 'dmesg', kernelLog: true };
  throw new SeccompGenError('PATH', `no audit records found: no ${auditLog}, and neither journalctl -k nor dmesg could be read (run as root, or give --from FILE)`);
}
