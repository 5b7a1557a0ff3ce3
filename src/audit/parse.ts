/**
 * The kernel's seccomp audit records (type=1326, AUDIT_SECCOMP), as auditd writes them
 * (`type=SECCOMP msg=audit(1700000000.123:42): … arch=c000003e syscall=83 compat=0 … code=0x7ffc0000`)
 * and as the kernel prints them where no auditd runs (`audit: type=1326 audit(…): …`, in dmesg
 * or journalctl -k). Pure: text in, events out; any line format that carries those key=value
 * fields is read, anything else is skipped.
 */
import type { ScmpArch } from '../syscalls/arches.js';

export interface SeccompEvent {
  /** When, in ms since the epoch (the audit(SECONDS.MS:SERIAL) stamp), if the line has it. */
  time?: number;
  /** The audit serial: one syscall logged twice (auditd and the kernel log) has one serial. */
  serial?: number;
  arch: ScmpArch | undefined;
  /** The raw AUDIT_ARCH_* value, to report an arch we cannot name. */
  auditArch: number;
  /** The syscall number on `arch` (x32's marker bit taken off, as the recorder does). */
  syscall: number;
  /** What the filter answered (SCMP_ACT_…). */
  action: string;
  pid?: number;
  comm?: string;
  exe?: string;
}

/** AUDIT_ARCH_* (linux/audit.h) → seccomp arch names. x32 shares x86_64's, marked in the number. */
const AUDIT_ARCHES: Record<number, ScmpArch> = {
  0xc000003e: 'SCMP_ARCH_X86_64',
  0x40000003: 'SCMP_ARCH_X86',
  0xc00000b7: 'SCMP_ARCH_AARCH64',
  0x40000028: 'SCMP_ARCH_ARM',
  0xc00000f3: 'SCMP_ARCH_RISCV64',
  0xc0000015: 'SCMP_ARCH_PPC64LE',
  0x80000016: 'SCMP_ARCH_S390X',
};
const X32_SYSCALL_BIT = 0x40000000;

/** SECCOMP_RET_ACTION_FULL values (linux/seccomp.h) → profile actions. */
const ACTIONS: Record<number, string> = {
  0x80000000: 'SCMP_ACT_KILL_PROCESS',
  0x00000000: 'SCMP_ACT_KILL_THREAD',
  0x00030000: 'SCMP_ACT_TRAP',
  0x00050000: 'SCMP_ACT_ERRNO',
  0x7fc00000: 'SCMP_ACT_NOTIFY',
  0x7ff00000: 'SCMP_ACT_TRACE',
  0x7ffc0000: 'SCMP_ACT_LOG',
  0x7fff0000: 'SCMP_ACT_ALLOW',
};

function fields(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of line.matchAll(/(?:^|\s)([a-z_]+)=("[^"]*"|\S+)/g)) {
    if (!out.has(m[1]!)) out.set(m[1]!, m[2]!.replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

export function parseAuditLine(text: string): SeccompEvent | null {
  if (!/\btype=(?:1326|SECCOMP)\b/.test(text)) return null;
  // auditd's enriched format appends interpreted fields (ARCH=x86_64 SYSCALL=…) after a 0x1d.
  const line = text.split('\x1d')[0]!;
  const f = fields(line);
  const archText = f.get('arch');
  const nrText = f.get('syscall');
  if (archText === undefined || nrText === undefined || !/^[0-9a-f]+$/i.test(archText) || !/^\d+$/.test(nrText)) return null;
  const auditArch = parseInt(archText, 16);
  let syscall = Number(nrText);
  let arch: ScmpArch | undefined = AUDIT_ARCHES[auditArch];
  if (arch === 'SCMP_ARCH_X86_64' && syscall & X32_SYSCALL_BIT) {
    arch = 'SCMP_ARCH_X32';
    syscall &= ~X32_SYSCALL_BIT;
  }
  const code = f.get('code');
  const action = code !== undefined && /^0x[0-9a-f]+$/i.test(code) ? (ACTIONS[(parseInt(code, 16) & 0xffff0000) >>> 0] ?? 'unknown') : 'unknown';
  const event: SeccompEvent = { arch, auditArch, syscall, action };
  const stamp = /audit\((\d+)(?:\.(\d{1,3}))?:(\d+)\)/.exec(line);
  if (stamp) {
    event.time = Number(stamp[1]) * 1000 + Number((stamp[2] ?? '0').padEnd(3, '0'));
    event.serial = Number(stamp[3]);
  }
  const pid = f.get('pid');
  if (pid !== undefined && /^\d+$/.test(pid)) event.pid = Number(pid);
  const comm = f.get('comm');
  if (comm !== undefined) event.comm = comm;
  const exe = f.get('exe');
  if (exe !== undefined) event.exe = exe;
  return event;
}

export function parseAuditText(text: string): SeccompEvent[] {
  const reader = new AuditRecordReader();
  reader.push(text);
  return reader.end();
}

/**
 * The records of a text that comes in pieces (a big log read a chunk at a time, so that it need
 * not be held whole): the same records as parseAuditText of the whole text, however it is cut.
 */
export class AuditRecordReader {
  readonly events: SeccompEvent[] = [];
  /** The last line so far, not ended yet. */
  private rest = '';

  push(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop()!;
    for (const line of lines) {
      const e = parseAuditLine(line);
      if (e) this.events.push(e);
    }
  }

  end(): SeccompEvent[] {
    const e = parseAuditLine(this.rest);
    if (e) this.events.push(e);
    this.rest = '';
    return this.events;
  }
}

/**
 * `--since`: an ISO date/time, seconds since the epoch, or an age like 30s, 10m, 2h, 1d.
 * Returns ms since the epoch, or undefined when it is none of these.
 */
export function parseSince(text: string, now = Date.now()): number | undefined {
  const age = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (age) return now - Number(age[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d{9,}$/.test(text.trim())) return Number(text.trim()) * 1000;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
