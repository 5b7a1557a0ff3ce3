/**
 * Whether this machine can run the recorder, and why not, in words an administrator can act on.
 * The checks here only read a few /proc and /sys files (no library, no BPF call): prestart runs
 * them after a refusal, `status` and `install` whenever the recorder is not attached, and
 * `seccomp-gen check` first of its own (cli/commands/check.ts adds the libraries, the probes and
 * a real load).
 */
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { SeccompGenError, messageOf } from '../errors.js';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** The oldest kernel a build of the recorder is made for (abi.ts PROGRAMS; 5.10 is the oldest booted in CI). */
const OLDEST_KERNEL = [5, 8] as const;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export interface MachineFacts {
  read(path: string): string | undefined;
  exists(path: string): boolean;
  /** uname -r */
  release: string;
  uid: number;
}

const thisMachine = (): MachineFacts => ({ read, exists: existsSync, release: release(), uid: process.getuid?.() ?? 0 });

export interface Finding {
  /** What was checked, one word: kernel, btf, lockdown, privileges… */
  check: string;
  ok: boolean;
  /** What was found; when not ok, what to do. */
  detail: string;
}

/** The kernel's version from its release string (6.1.0-41-amd64 → [6, 1]), or undefined. */
export function kernelVersion(releaseText: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(releaseText);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The checks that need nothing but a few files: kernel version, BTF, lockdown, privileges. */
export function machineChecks(facts: MachineFacts = thisMachine()): Finding[] {
  const out: Finding[] = [];
  const v = kernelVersion(facts.release);
  const oldest = OLDEST_KERNEL.join('.');
  const older = v !== undefined && (v[0] < OLDEST_KERNEL[0] || (v[0] === OLDEST_KERNEL[0] && v[1] < OLDEST_KERNEL[1]));
  out.push({ check: 'kernel', ok: !older, detail: older ? `kernel ${facts.release} is older than ${oldest}, the oldest the recorder runs on (BPF links, probe reads of kernel memory): use a newer kernel` : `${facts.release} (${oldest} or later is needed)` });
  const btf = facts.exists('/sys/kernel/btf/vmlinux');
  out.push({ check: 'btf', ok: btf, detail: btf ? '/sys/kernel/btf/vmlinux' : 'the kernel has no BTF (/sys/kernel/btf/vmlinux): use a kernel built with CONFIG_DEBUG_INFO_BTF=y' });
  const lockdown = /\[(\w+)\]/.exec(facts.read('/sys/kernel/security/lockdown') ?? '')?.[1];
  // Only confidentiality forbids BPF to read kernel memory (LOCKDOWN_BPF_READ_KERNEL); integrity does not.
  const locked = lockdown === 'confidentiality';
  out.push({ check: 'lockdown', ok: !locked, detail: locked ? 'kernel lockdown is "confidentiality" (it forbids BPF that reads kernel memory): boot with lockdown=integrity or none' : (lockdown ?? 'none') });
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(facts.read('/proc/self/status') ?? '')?.[1];
  if (capEff !== undefined) {
    const caps = BigInt(`0x${capEff}`);
    const has = (c: bigint) => ((caps >> c) & 1n) === 1n;
    const enough = has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
    out.push({ check: 'privileges', ok: enough, detail: enough ? (facts.uid === 0 ? 'root' : 'CAP_BPF and CAP_PERFMON') : 'no CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): the hooks and this check must run as root' });
  }
  return out;
}

/** What this machine lacks for the recorder, one phrase each; [] if none is visible. */
export function whatIsMissing(facts: MachineFacts = thisMachine()): string[] {
  return machineChecks(facts).filter((f) => !f.ok).map((f) => f.detail);
}

/** The recorder could not be loaded or attached: one message for every caller (hooks, record). */
export class RecorderUnavailable extends SeccompGenError {
  constructor(cause: unknown) {
    const missing = whatIsMissing();
    super('BPF', `cannot load the BPF recorder: ${messageOf(cause)} (kernel ${release()}${missing.length ? `; this machine lacks: ${missing.join('; ')}` : ''}; seccomp-gen check says more)`, { cause });
  }
}
