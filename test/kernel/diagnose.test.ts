import { describe, expect, it } from 'vitest';
import { kernelVersion, machineChecks, whatIsMissing, type MachineFacts } from '../../src/kernel/diagnose.js';

/** A machine with everything the recorder needs, as root; `change` takes parts away. */
function machine(change: Partial<MachineFacts> & { files?: Record<string, string | undefined> } = {}): MachineFacts {
  const files: Record<string, string | undefined> = {
    '/sys/kernel/btf/vmlinux': '',
    '/sys/kernel/security/lockdown': '[none] integrity confidentiality\n',
    '/proc/self/status': 'Name:\tnode\nCapEff:\t000001ffffffffff\n',
    ...change.files,
  };
  return { read: (p) => files[p], exists: (p) => files[p] !== undefined, release: '6.1.0-41-amd64', uid: 0, ...change };
}

describe('what this machine lacks for the recorder', () => {
  it('nothing on a Debian 12 machine as root', () => {
    expect(whatIsMissing(machine())).toEqual([]);
    expect(machineChecks(machine()).map((f) => f.check)).toEqual(['kernel', 'btf', 'lockdown', 'privileges']);
  });

  it('a kernel older than 5.8, and 5.8 itself is enough', () => {
    expect(whatIsMissing(machine({ release: '5.4.0-150-generic' }))).toEqual(['kernel 5.4.0-150-generic is older than 5.8, the oldest the recorder runs on (BPF links, probe reads of kernel memory): use a newer kernel']);
    expect(whatIsMissing(machine({ release: '4.19.0-27-amd64' }))).toHaveLength(1);
    expect(whatIsMissing(machine({ release: '5.8.0-1-amd64' }))).toEqual([]);
    expect(whatIsMissing(machine({ release: '5.10.0-46-amd64' }))).toEqual([]);
  });

  it('no BTF', () => {
    expect(whatIsMissing(machine({ files: { '/sys/kernel/btf/vmlinux': undefined } }))).toEqual([expect.stringContaining('CONFIG_DEBUG_INFO_BTF=y')]);
  });

  it('lockdown: confidentiality forbids it, integrity does not', () => {
    expect(whatIsMissing(machine({ files: { '/sys/kernel/security/lockdown': 'none integrity [confidentiality]\n' } }))).toEqual([expect.stringContaining('"confidentiality"')]);
    expect(whatIsMissing(machine({ files: { '/sys/kernel/security/lockdown': 'none [integrity] confidentiality\n' } }))).toEqual([]);
    expect(whatIsMissing(machine({ files: { '/sys/kernel/security/lockdown': undefined } }))).toEqual([]);
  });

  it('privileges: CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON', () => {
    const caps = (hex: string) => machine({ uid: 1000, files: { '/proc/self/status': `CapEff:\t${hex}\n` } });
    expect(whatIsMissing(caps('0000000000000000'))).toEqual([expect.stringContaining('must run as root')]);
    expect(whatIsMissing(caps((1n << 21n).toString(16).padStart(16, '0')))).toEqual([]);
    expect(whatIsMissing(caps(((1n << 38n) | (1n << 39n)).toString(16).padStart(16, '0')))).toEqual([]);
    expect(whatIsMissing(caps((1n << 39n).toString(16).padStart(16, '0')))).toHaveLength(1);
  });

  it('reads the version from a release string', () => {
    expect(kernelVersion('6.12.118+deb13-amd64')).toEqual([6, 12]);
    expect(kernelVersion('6.18.44-fc-v1045')).toEqual([6, 18]);
    expect(kernelVersion('weird')).toBeUndefined();
  });
});
