/**
 * The recorder on Debian's own kernels, booted under qemu on this machine's filesystem
 * (test/guest/; docs/kernels.md has the table of which kernel gets which build and why):
 * - every kernel loads the recorder through the project's own loader (seccomp-gen check: Node,
 *   koffi, libbpf), with the build meant for it;
 * - every kernel records eight threads' concurrent first calls and ioctl requests without losing
 *   one (test/guest/race.ts), on two CPUs;
 * - 5.10 and 6.1 trace a podman container with the installed hooks and write the same profile
 *   this machine's kernel writes; it replays there with the same output and exit code, and a
 *   syscall the workload never made is refused.
 * Needs qemu-system-x86 and kmod (test/setup.sh) and the Debian mirror of /etc/apt/sources.list*.
 * Costs ~25 s of downloads on a fresh machine, then ~1 min per kernel with podman, ~15 s without.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRAMS } from '../../src/kernel/abi.js';
import { GUEST_CACHE, bootGuest, fetchKernel, type DebianSeries, type GuestRun, type Kernel } from '../guest/guest.js';
import { IMAGE, ROOT, readProfile, requireE2E, runPlain, trace, useWorkspace, type Run } from './support.js';

/** Debian's kernels, with the build each must get and whether it runs the podman round. */
const MATRIX: { series: DebianSeries; build: string; podman: boolean }[] = [
  { series: 'bullseye', build: PROGRAMS.plain, podman: true }, // 5.10: no atomics, no task BTF
  { series: 'bookworm', build: PROGRAMS.atomics, podman: true }, // 6.1
  { series: 'trixie', build: PROGRAMS.atomics, podman: false }, // 6.12
];
const RACE_ROUNDS = 10;
/** A workload with argument-recorded calls (clone from threads, ioctl from ls), and a probe it never does (plain words). */
const WORKLOAD = ['sh', '-c', 'ls /; threads; echo hi | tr a-z A-Z'];
const PROBE = ['mkdir', '/tmp/probe'];

const ws = useWorkspace();
let racer: string;
let race: string;
let archive: string;
let host: { plain: Run; probePlain: Run; profile: ReturnType<typeof readProfile> };

beforeAll(() => {
  requireE2E();
  if (spawnSync('qemu-system-x86_64', ['--version']).status !== 0) throw new Error('qemu-system-x86_64 is missing: run sudo bash test/setup.sh');
  const bin = join(GUEST_CACHE, 'bin');
  mkdirSync(bin, { recursive: true });
  racer = join(bin, 'racer');
  execFileSync('gcc', ['-static', '-O2', '-pthread', '-o', racer, join(ROOT, 'test/fixtures/racer/racer.c')]);
  // race.ts with the project's modules, as one file Node runs in the guest (koffi from node_modules).
  race = join(ROOT, 'dist/guest/race.mjs');
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [join(ROOT, 'test/guest/race.ts'), '--bundle', '--platform=node', '--format=esm', '--external:koffi', `--outfile=${race}`, '--log-level=warning']);
  // The test image, saved once per image id for the guests' podman.
  const id = execFileSync('podman', ['image', 'inspect', IMAGE, '--format', '{{.Id}}'], { encoding: 'utf8' }).trim().slice(0, 16);
  archive = join(GUEST_CACHE, 'images', `busybox-${id}.tar`);
  if (!existsSync(archive)) {
    mkdirSync(join(GUEST_CACHE, 'images'), { recursive: true });
    execFileSync('podman', ['save', '-q', '-o', archive, IMAGE]);
  }
  // This machine's answers: what the guests must give too.
  const out = ws.path('host.json');
  const traced = trace(ws.hooksDir, out, WORKLOAD);
  expect(traced.status).toBe(0);
  host = { plain: runPlain(ws.hooksDir, WORKLOAD), probePlain: runPlain(ws.hooksDir, PROBE), profile: readProfile(out) };
  expect(host.plain.status).toBe(0);
  expect(host.probePlain.status).toBe(0);
}, 300_000);

const sh = (words: string[]) => words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');

describe.each(MATRIX)('Debian $series', ({ series, build, podman }) => {
  let kernel: Kernel;
  let run: GuestRun;
  const out = (name: string) => readFileSync(join(run.outDir, name), 'utf8');

  beforeAll(() => {
    kernel = fetchKernel('amd64', series);
    const script = [
      `node ${ROOT}dist/cli/main.js check --json > /out/check.json 2> /out/check.stderr`,
      `node ${race} ${racer} ${RACE_ROUNDS} > /out/race.json 2> /out/race.stderr`,
      ...(podman ? [`PROBE=${sh([PROBE.join(' ')])} sh ${ROOT}test/guest/podman-trace.sh ${archive} ${IMAGE} -- ${sh(WORKLOAD)}`] : []),
    ].join('\n');
    run = bootGuest('amd64', kernel, `${script}\n`, { timeoutSeconds: 280 });
    console.log(`${kernel.package}: guest ran ${run.seconds.toFixed(0)} s`);
    if (run.status !== 0) throw new Error(`the guest failed (${run.status}): ${run.stderr}\n${run.console.slice(-2000)}`);
  }, 300_000);
  afterAll(() => {
    if (run) rmSync(run.outDir, { recursive: true, force: true });
  });

  it('loads the recorder through seccomp-gen check, with the build meant for it', () => {
    const check = JSON.parse(out('check.json')) as { ok: boolean; checks: { check: string; ok: boolean; detail: string }[] };
    expect(check.checks.filter((c) => !c.ok)).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.checks.find((c) => c.check === 'kernel')!.detail).toContain(kernel.release);
    expect(check.checks.find((c) => c.check === 'recorder')!.detail).toContain(`accepts ${build} `);
  });

  it('loses none of eight threads\' concurrent first calls and ioctl requests', () => {
    const result = JSON.parse(out('race.json')) as { build: string; rounds: number; lost: string[]; overflowed: number };
    expect(result).toMatchObject({ build, rounds: RACE_ROUNDS, lost: [] });
  });

  // Only the series the matrix says (5.10, 6.1): a podman run under TCG costs ~a minute a kernel.
  if (podman) it('traces a podman container into the same profile as this machine\'s kernel; it replays there and refuses the rest', () => {
    const status = (name: string) => Number(out(`${name}.status`).trim());
    expect({ status: status('traced'), stdout: out('traced.stdout') }).toEqual({ status: 0, stdout: host.plain.stdout });
    expect(out('traced.stderr')).not.toMatch(/seccomp-gen/);
    expect(readProfile(join(run.outDir, 'profile.json')).syscalls).toEqual(host.profile.syscalls);
    expect({ status: status('replay'), stdout: out('replay.stdout'), stderr: out('replay.stderr') }).toEqual({ status: 0, stdout: host.plain.stdout, stderr: host.plain.stderr });
    expect(status('probe')).not.toBe(0);
    expect(out('probe.stderr')).toMatch(/mkdir/);
  });
});
