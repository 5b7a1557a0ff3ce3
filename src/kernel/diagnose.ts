/**
 * Why the kernel refused to load or attach the recorder, in words an administrator can act on.
 * Only run after a failure: it reads a few /proc and /sys files, none of which the happy path needs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SeccompGenError, messageOf } from '../errors.js';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The likely causes found on this machine, most specific first; [] if none is visible. */
export function bpfRefusalCauses(fs = { read, exists: existsSync }): string[] {
  const causes: string[] = [];
  const lockdown = fs.read('/sys/kernel/security/lockdown');
  const mode = /\[(\w+)\]/.exec(lockdown ?? '')?.[1];
  if (mode && mode !== 'none') causes.push(`kernel lockdown is "${mode}" (it forbids BPF that reads kernel memory; boot with lockdown=none or disable Secure Boot lockdown)`);
  const capEff = /^CapEff:\s*([0-9a-f]+)/m.exec(fs.read('/proc/self/status') ?? '')?.[1];
  if (capEff !== undefined) {
    const caps = BigInt(`0x${capEff}`);
    const has = (c: bigint) => (caps >> c) & 1n;
    if (!has(CAP_SYS_ADMIN) && !(has(CAP_BPF) && has(CAP_PERFMON))) causes.push('the hook lacks CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run it as full root');
  }
  if (!fs.exists('/sys/kernel/btf/vmlinux')) causes.push('the kernel has no BTF (/sys/kernel/btf/vmlinux): use a kernel built with CONFIG_DEBUG_INFO_BTF=y');
  const unpriv = fs.read('/proc/sys/kernel/unprivileged_bpf_disabled');
  if (unpriv !== undefined && causes.length === 0 && (process.getuid?.() ?? 0) !== 0) causes.push('not running as root');
  return causes;
}

/** The recorder could not be loaded or attached: one message for every caller (hooks, record). */
export class RecorderUnavailable extends SeccompGenError {
  constructor(cause: unknown) {
    const causes = bpfRefusalCauses();
    super('BPF', `cannot load the BPF recorder: ${messageOf(cause)}${causes.length ? `; likely: ${causes.join('; ')}` : ''}`, { cause });
  }
}
