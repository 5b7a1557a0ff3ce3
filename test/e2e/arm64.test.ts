/**
 * seccomp-gen on arm64, in an emulated guest (no arm64 machine here): Debian 12's arm64 kernel
 * under qemu-system-aarch64 (TCG) on a Debian 12 arm64 root made by mmdebstrap (test/guest/,
 * docs/arm64.md), with this checkout's build (the aarch64 recorder object, Node 20 and koffi's
 * arm64 binary from npm). Inside it:
 * - the recorder loads through the project's own loader (seccomp-gen check);
 * - busybox and a Debian workload (python3.11, four threads) are traced under runc and under
 *   crun with the installed hooks; each replays under its own profile with the same output and
 *   exit code; profiles say SCMP_ARCH_AARCH64;
 * - operations the workloads never performed are refused under their profiles (and succeed
 *   without one);
 * - a 32-bit ARM program (Debian armhf's static busybox) is recorded as SCMP_ARCH_ARM, and
 *   replays under its profile with runc and crun.
 * Images are made from the guest root's own packages (podman import), no registry.
 * Needs qemu-system-arm, qemu-user-static, mmdebstrap and kmod (test/setup.sh), the Debian mirror
 * of /etc/apt/sources.list* and the npm registry. Cold (nothing in .cache/guest/): ~4 min to make
 * the root, then the guest; warm: the guest only.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAMS } from '../../src/kernel/abi.js';
import { bootGuest, fetchKernel, makeRootfs, type GuestRun } from '../guest/guest.js';
import { ROOT, readProfile, type ProfileJson } from './support.js';

const RUNTIMES = ['runc', 'crun'] as const;
/** The workloads: an image of the guest root's (make-rootfs.sh), a command, and what it prints. */
const WORKLOADS = [
  { name: 'busybox', image: 'localhost/busybox', cmd: ['sh', '-c', 'ls /; echo hi | tr a-z A-Z; cat /etc/passwd; wc -c /bin/busybox'], prints: 'HI\n' },
  {
    name: 'python',
    image: 'localhost/python',
    cmd: ['/usr/bin/python3.11', '-c', 'import os, threading\nr = []\nts = [threading.Thread(target=lambda i=i: r.append(i * i)) for i in range(4)]\n[t.start() for t in ts]\n[t.join() for t in ts]\nprint(sorted(r), sorted(os.listdir("/")))'],
    prints: '[0, 1, 4, 9]',
  },
] as const;
/** Operations the workloads never performed: each succeeds without a profile and must be refused under the workload's. */
const PROBES = [
  { name: 'mkdir', workload: 'busybox', cmd: ['mkdir', '/tmp/probe'] },
  { name: 'symlink', workload: 'busybox', cmd: ['ln', '-s', 'x', '/tmp/link'] },
  { name: 'chmod', workload: 'busybox', cmd: ['chmod', '700', '/tmp'] },
  { name: 'mkfifo', workload: 'busybox', cmd: ['mkfifo', '/tmp/fifo'] },
  // not mkdir: python makes __pycache__ directories (Debian's python3.11-minimal ships no .pyc)
  { name: 'py-symlink', workload: 'python', cmd: ['/usr/bin/python3.11', '-c', 'import os; os.symlink("x", "/tmp/link")'] },
] as const;
/** A 32-bit ARM program in the busybox image: Debian armhf's static busybox, from the guest root. */
const COMPAT = ['-v', '/srv/armhf:/srv/armhf:ro', 'localhost/busybox', '/srv/armhf/busybox', 'sh', '-c', 'echo hi from arm; ls /'];

const sh = (words: readonly string[]) => words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
const profileOf = (name: string) => `io.containers.trace-syscall=of:/out/${name}.json`;

let run: GuestRun;
const out = (name: string) => readFileSync(join(run.outDir, name), 'utf8');
const result = (name: string) => ({ status: Number(out(`${name}.status`).trim()), stdout: out(`${name}.stdout`), stderr: out(`${name}.stderr`) });
const profile = (name: string): ProfileJson & { architectures: string[] } => readProfile(join(run.outDir, `${name}.json`)) as ProfileJson & { architectures: string[] };

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the arm64 guest test needs root (mmdebstrap, binfmt_misc)');
  for (const tool of ['qemu-system-aarch64', 'mmdebstrap']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing: run sudo bash test/setup.sh`);
  }
  const started = Date.now();
  const kernel = fetchKernel('arm64', 'bookworm');
  const root = makeRootfs('arm64', 'bookworm');
  const prepared = (Date.now() - started) / 1000;
  const lines = [`SG_REPO=${ROOT} . ${ROOT}test/guest/podman-suite.sh`, 'setup || exit 1'];
  for (const rt of RUNTIMES) {
    for (const w of WORKLOADS) {
      lines.push(`run ${rt}-${w.name}-traced ${rt} --annotation ${profileOf(`${rt}-${w.name}`)} ${w.image} ${sh(w.cmd)}`);
      lines.push(`run ${rt}-${w.name}-replay ${rt} --security-opt seccomp=/out/${rt}-${w.name}.json ${w.image} ${sh(w.cmd)}`);
    }
    for (const p of PROBES) {
      const image = WORKLOADS.find((w) => w.name === p.workload)!.image;
      lines.push(`run ${rt}-probe-${p.name} ${rt} --security-opt seccomp=/out/${rt}-${p.workload}.json ${image} ${sh(p.cmd)}`);
    }
  }
  for (const p of PROBES) lines.push(`run plain-${p.name} crun ${WORKLOADS.find((w) => w.name === p.workload)!.image} ${sh(p.cmd)}`);
  lines.push(`run compat-traced crun --annotation ${profileOf('compat')} ${sh(COMPAT)}`);
  for (const rt of RUNTIMES) lines.push(`run ${rt}-compat-replay ${rt} --security-opt seccomp=/out/compat.json ${sh(COMPAT)}`);
  run = bootGuest('arm64', kernel, `${lines.join('\n')}\n`, { root, repo: ROOT, timeoutSeconds: 1200, cpus: 2, memoryMiB: 3072 });
  console.log(`arm64 guest: kernel and root ready in ${prepared.toFixed(0)} s, guest ran ${run.seconds.toFixed(0)} s (${kernel.package})`);
  if (run.status !== 0) throw new Error(`the guest failed (${run.status}): ${run.stdout}\n${run.stderr}\n${run.console.slice(-3000)}`);
}, 1_500_000);
afterAll(() => {
  if (run && !process.env.SG_KEEP_GUEST_OUT) rmSync(run.outDir, { recursive: true, force: true });
});

describe('arm64 (Debian 12 kernel and root under qemu-system-aarch64)', () => {
  it('loads the aarch64 recorder through seccomp-gen check', () => {
    const check = JSON.parse(out('check.json')) as { ok: boolean; checks: { check: string; ok: boolean; detail: string }[] };
    expect(check.checks.filter((c) => !c.ok)).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.checks.find((c) => c.check === 'kernel')!.detail).toMatch(/-arm64/);
    const recorder = check.checks.find((c) => c.check === 'recorder')!.detail;
    console.log(`arm64 recorder: ${recorder}`);
    expect(Object.values(PROGRAMS).some((p) => recorder.includes(`accepts ${p} `))).toBe(true);
  });

  describe.each(RUNTIMES)('under %s', (rt) => {
    it.each(WORKLOADS)('traces $name into an SCMP_ARCH_AARCH64 profile; it replays with the same output and exit code', (w) => {
      const traced = result(`${rt}-${w.name}-traced`);
      expect(traced.status).toBe(0);
      expect(traced.stdout).toContain(w.prints);
      expect(traced.stderr).not.toMatch(/seccomp-gen/);
      const p = profile(`${rt}-${w.name}`);
      expect(p.architectures).toEqual(['SCMP_ARCH_AARCH64']);
      expect(p.syscalls.flatMap((s) => s.names)).toContain('execve');
      console.log(`arm64 ${rt} ${w.name}: ${new Set(p.syscalls.flatMap((s) => s.names)).size} names, traced ${out(`${rt}-${w.name}-traced.ms`).trim()} ms, replayed ${out(`${rt}-${w.name}-replay.ms`).trim()} ms`);
      expect(result(`${rt}-${w.name}-replay`)).toEqual(traced);
    });

    it.each(PROBES)('refuses $name, which $workload never did, under its profile (it succeeds without one)', (p) => {
      expect(result(`plain-${p.name}`).status).toBe(0);
      expect(result(`${rt}-probe-${p.name}`).status).not.toBe(0);
    });
  });

  it('records a 32-bit ARM program as SCMP_ARCH_ARM, ARM\'s private set_tls too; it replays under runc and crun', () => {
    const traced = result('compat-traced');
    expect(traced).toMatchObject({ status: 0, stdout: expect.stringContaining('hi from arm') });
    const p = profile('compat');
    expect(p.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    const names = new Set(p.syscalls.flatMap((s) => s.names));
    expect(names).toContain('set_tls'); // 0xf0005: glibc's first call on ARM, above the table
    expect(names).toContain('getuid32'); // ARM's own
    console.log(`arm64 compat: ${names.size} names`);
    for (const rt of RUNTIMES) expect(result(`${rt}-compat-replay`), rt).toEqual(traced);
  });
});
