import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAuditLine, parseAuditText, parseSince } from '../../src/audit/parse.js';

const sample = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/audit/${name}`, import.meta.url)), 'utf8');

describe('parseAuditLine', () => {
  it('reads a kernel log line (no auditd), as dmesg printed it here', () => {
    const line = '[ 5514.440562] audit: type=1326 audit(1795427385.589:7): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=22328 comm="runc:[2:INIT]" exe="/" sig=0 arch=c000003e syscall=72 compat=0 ip=0x40828e code=0x7ffc0000';
    expect(parseAuditLine(line)).toEqual({
      time: 1795427385589,
      serial: 7,
      arch: 'SCMP_ARCH_X86_64',
      auditArch: 0xc000003e,
      syscall: 72,
      action: 'SCMP_ACT_LOG',
      pid: 22328,
      comm: 'runc:[2:INIT]',
      exe: '/',
    });
  });

  it('reads auditd\'s format, its enriched fields after 0x1d left aside', () => {
    const [accept4, epoll] = parseAuditText(sample('audit.log'));
    expect(accept4).toMatchObject({ arch: 'SCMP_ARCH_X86_64', syscall: 288, action: 'SCMP_ACT_LOG', comm: 'nginx', time: 1795427385589, serial: 201 });
    expect(epoll).toMatchObject({ syscall: 232, action: 'SCMP_ACT_ERRNO' }); // code=0x50026: ERRNO(38)
  });

  it('tells i386 and x32 calls from native ones, and names every action', () => {
    const events = parseAuditText(sample('dmesg.txt'));
    expect(events.map((e) => [e.arch, e.syscall, e.action])).toEqual([
      ['SCMP_ARCH_X86_64', 72, 'SCMP_ACT_LOG'],
      ['SCMP_ARCH_X86_64', 72, 'SCMP_ACT_LOG'],
      ['SCMP_ARCH_X86_64', 83, 'SCMP_ACT_LOG'],
      ['SCMP_ARCH_X86', 5, 'SCMP_ACT_ERRNO'],
      ['SCMP_ARCH_X32', 1, 'SCMP_ACT_LOG'],
      ['SCMP_ARCH_X86_64', 499, 'SCMP_ACT_LOG'],
      ['SCMP_ARCH_X86_64', 165, 'SCMP_ACT_KILL_PROCESS'],
    ]);
  });

  it('skips other record types and lines that only look alike', () => {
    expect(parseAuditLine('audit: type=1400 audit(1.0:1): apparmor="DENIED" comm="cat"')).toBeNull();
    expect(parseAuditLine('audit: type=1326 audit(1.0:1): arch=zz syscall=1')).toBeNull();
    expect(parseAuditLine('audit: type=1326 audit(1.0:1): arch=c000003e')).toBeNull();
    expect(parseAuditLine('type=SECCOMPX msg=audit(1.0:1): arch=c000003e syscall=1')).toBeNull();
    expect(parseAuditLine('')).toBeNull();
  });

  it('keeps an arch it cannot name, by its number, and an unknown code as unknown', () => {
    expect(parseAuditLine('type=SECCOMP msg=audit(1.5:2): arch=deadbeef syscall=3 code=0x12340000')).toMatchObject({ arch: undefined, auditArch: 0xdeadbeef, action: 'unknown', time: 1500 });
  });
});

describe('parseSince', () => {
  const now = 1_800_000_000_000;
  it('takes ages, epoch seconds and dates', () => {
    expect(parseSince('10m', now)).toBe(now - 600_000);
    expect(parseSince('2h', now)).toBe(now - 7_200_000);
    expect(parseSince('1d', now)).toBe(now - 86_400_000);
    expect(parseSince('1795427385', now)).toBe(1795427385000);
    expect(parseSince('2026-11-23T09:00:00Z', now)).toBe(Date.parse('2026-11-23T09:00:00Z'));
    expect(parseSince('yesterday-ish', now)).toBeUndefined();
  });
});
