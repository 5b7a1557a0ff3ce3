/**
 * npm run bench: what tracing costs, as ratios traced/untraced, medians of interleaved runs.
 * Needs what the end-to-end tests need (root, podman, bpffs, the build, the test image).
 *
 *   start     podman run --rm IMAGE true (cold: the hook loads the program; warm: another
 *             traced container keeps it attached)
 *   inside    4 M one-byte read/write syscalls in the container, timed inside it
 *   host      the same on the host, outside any container, with 0 vs 1/10/50 containers traced
 *   floor     the same on the host with an empty raw_tp/sys_enter program attached
 *   memory    kernel memory of the maps and program per traced container; peak RSS of each hook
 *   hooks     prestart and poststop wall time, cold and warm, measured apart: the timing
 *             wrapper (sh, date, GNU time) would otherwise add its own cost to the start ratios
 *   wrapper   an untraced container started through seccomp-gen-runtime against plain runc:
 *             podman --runtime, and a private dockerd with both runtimes (when docker.io is
 *             installed); and one runtime command the wrapper does not touch (state), alone
 *
 * Prints a table and writes JSON (--out, default /tmp/seccomp-gen-bench.json).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = 'localhost/seccomp-gen/busybox:test';
const ANNOTATION = 'io.containers.trace-syscall';
const PIN_LINK = '/sys/fs/bpf/seccomp-gen/link';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    pairs: { type: 'string', default: '2000000' }, // 2 M read+write pairs = 4 M syscalls
    out: { type: 'string', default: '/tmp/seccomp-gen-bench.json' },
    counts: { type: 'string', default: '1,10,50' },
    quick: { type: 'boolean', default: false },
    // Comma-separated sections to run: start,hooks,inside,host,floor,wrapper (default: all).
    only: { type: 'string', default: 'start,hooks,inside,host,floor,wrapper' },
  },
});
const ONLY = new Set(opts.only.split(','));
const RUNS = opts.quick ? 3 : Number(opts.runs);
const PAIRS = Number(opts.pairs);
const COUNTS = opts.counts.split(',').map(Number);

const work = mkdtempSync(join(tmpdir(), 'seccomp-gen-bench-'));
const hooksDir = join(work, 'hooks.d'); // what users install: start, inside and host use it
const timedHooksDir = join(work, 'timed-hooks.d'); // the same hooks under a timing wrapper
const hookLog = join(work, 'hooks.log');
const loop = join(work, 'syscall-loop');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (ns: number) => ns / 1e6;
const now = () => process.hrtime.bigint();

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function podman(args: string[], dir = hooksDir): string {
  return sh('podman', ['--hooks-dir', dir, ...args]);
}
const traceAnn = (name: string) => ['--annotation', `${ANNOTATION}=of:${join(work, `${name}.json`)}`];

function installHooks(dir: string): void {
  // SECCOMP_GEN_FEATURES: the figures of another build of the recorder (docs/kernels.md), on this kernel.
  const features = process.env.SECCOMP_GEN_FEATURES ? ['--env', `SECCOMP_GEN_FEATURES=${process.env.SECCOMP_GEN_FEATURES}`] : [];
  const r = spawnSync('node', [join(ROOT, 'dist/cli/main.js'), 'install', '--hooks-dir', dir, ...features], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

/** Hooks that run the real hook under GNU time, logging stage, cold/warm, wall ms and peak RSS. */
function installTimedHooks(): void {
  installHooks(timedHooksDir);
  const wrapper = join(work, 'timed-hook.sh');
  writeFileSync(
    wrapper,
    `#!/bin/sh
# args: node ENTRY STAGE
for stage; do :; done
state=warm; [ -e ${PIN_LINK} ] || state=cold
t=$(mktemp); s=$(date +%s%N)
/usr/bin/time -f %M -o "$t" "$@"; rc=$?
e=$(date +%s%N)
echo "$stage $state $(( (e - s) / 1000 )) $(cat "$t" | tail -1)" >> ${hookLog}
rm -f "$t"; exit $rc
`,
  );
  chmodSync(wrapper, 0o755);
  for (const stage of ['prestart', 'poststop']) {
    const file = join(timedHooksDir, `seccomp-gen-${stage}.json`);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { hook: { path: string; args: string[] } };
    doc.hook.args = ['timed-hook.sh', doc.hook.path, ...doc.hook.args.slice(1)];
    doc.hook.path = wrapper;
    writeFileSync(file, JSON.stringify(doc));
  }
}

function hostLoop(): number {
  return Number(sh(loop, [String(PAIRS)]).trim());
}
function insideLoop(traced: boolean, name: string): number {
  return Number(podman(['run', '--rm', ...(traced ? traceAnn(name) : []), IMAGE, 'syscall-loop', String(PAIRS)]).trim());
}
function startTime(traced: boolean, name: string, dir = hooksDir, runtime: string[] = []): number {
  const s = now();
  sh('podman', ['--hooks-dir', dir, ...runtime, 'run', '--rm', ...(traced ? traceAnn(name) : []), IMAGE, 'true']);
  return Number(now() - s);
}

const WRAPPER = join(ROOT, 'bin/seccomp-gen-runtime');

/** Wall time of one command, in ns. */
function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): number {
  const s = now();
  execFileSync(cmd, args, { stdio: 'ignore', ...(env ? { env } : {}) });
  return Number(now() - s);
}

/**
 * A private dockerd (own socket, data and exec root; no bridge, no iptables) with the wrapper as
 * runtime "seccomp-gen" beside its runc, for `fn`; undefined when docker.io is not installed.
 */
async function withDockerd<T>(fn: (docker: (args: string[]) => number) => T): Promise<T | undefined> {
  if (!existsSync('/usr/sbin/dockerd')) return undefined;
  const base = mkdtempSync('/var/tmp/seccomp-gen-bench-docker-');
  const env = { ...process.env, DOCKER_HOST: `unix://${base}/docker.sock` };
  const client = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
  const daemon = spawn('/usr/sbin/dockerd', ['--host', env.DOCKER_HOST, '--data-root', `${base}/data`, '--exec-root', `${base}/exec`, '--pidfile', `${base}/docker.pid`,
    '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--config-file', `${base}/daemon.json`, '--add-runtime', `seccomp-gen=${WRAPPER}`], { stdio: 'ignore' });
  writeFileSync(`${base}/daemon.json`, '{}');
  try {
    for (let i = 0; i < 300 && spawnSync(client, ['version'], { env, stdio: 'ignore' }).status !== 0; i++) execFileSync('sleep', ['0.1']);
    execFileSync('sh', ['-c', `podman save --quiet --format docker-archive ${IMAGE} | ${client} load -q`], { env, stdio: 'ignore' });
    return fn((args) => timed(client, args, env));
  } finally {
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    rmSync(base, { recursive: true, force: true });
  }
}

/** Start `n` traced containers that wait; returns a function that stops them. */
function startTraced(n: number, tag: string): () => void {
  const ids: string[] = [];
  // A few at a time: podman itself is the slow part here.
  for (let i = 0; i < n; i++) ids.push(podman(['run', '-d', ...traceAnn(`${tag}-${i}`), IMAGE, 'sleep', '3600']).trim());
  return () => {
    for (let i = 0; i < ids.length; i += 25) podman(['rm', '-f', '-t', '0', ...ids.slice(i, i + 25)]);
  };
}

interface Ratio {
  untraced: number;
  traced: number;
  ratio: number;
}
/** Interleave untraced and traced runs, `RUNS` each, and compare medians. */
function interleave(untraced: () => number, traced: () => number): Ratio {
  const u: number[] = [];
  const t: number[] = [];
  untraced(); // warm caches once
  for (let i = 0; i < RUNS; i++) {
    u.push(untraced());
    t.push(traced());
  }
  const mu = median(u);
  const mt = median(t);
  return { untraced: mu, traced: mt, ratio: mt / mu };
}

/** memlock of the pinned targets map and program, from bpftool. */
function kernelMemory(): { map: number; counts: number; prog: number } {
  const maps = JSON.parse(sh('bpftool', ['-j', 'map', 'show'])) as { name?: string; bytes_memlock?: number }[];
  const progs = JSON.parse(sh('bpftool', ['-j', 'prog', 'show'])) as { name?: string; bytes_memlock?: number }[];
  return {
    map: maps.find((m) => m.name === 'sg_targets')?.bytes_memlock ?? 0,
    counts: maps.find((m) => m.name === 'sg_counts')?.bytes_memlock ?? 0,
    prog: progs.find((p) => ['record_syscall', 'record_plain_btf', 'record_plain'].includes(p.name ?? ''))?.bytes_memlock ?? 0, // abi.ts PROGRAMS
  };
}

/** An empty raw_tp/sys_enter program attached: the floor any such tracer pays. */
async function withEmptyProgram<T>(fn: () => T): Promise<T> {
  const obj = join(work, 'empty.bpf.o');
  sh('clang', ['-O2', '-target', 'bpf', '-c', join(ROOT, 'test/bench/empty.bpf.c'), '-o', obj]);
  // The compiled libbpf binding of the build (dist/ffi), used as a library here.
  interface Obj { load(): void; program(name: string): { attachAndPin(path: string): void }; close(): void }
  const { BpfObject } = (await import(new URL('../ffi/libbpf.js', import.meta.url).href)) as { BpfObject: { open(path: string): Obj } };
  const pin = '/sys/fs/bpf/seccomp-gen-bench-empty';
  rmSync(pin, { force: true });
  const o = BpfObject.open(obj);
  try {
    o.load();
    o.program('empty').attachAndPin(pin);
  } finally {
    o.close();
  }
  try {
    return fn();
  } finally {
    rmSync(pin, { force: true });
  }
}

function hookStats(): Record<string, { n: number; medianMs: number; maxRssKiB: number }> {
  const out: Record<string, { n: number; medianMs: number; maxRssKiB: number }> = {};
  const rows = existsSync(hookLog) ? readFileSync(hookLog, 'utf8').trim().split('\n') : [];
  const groups = new Map<string, { t: number[]; rss: number[] }>();
  for (const row of rows) {
    const [stage, state, us, rss] = row.split(' ');
    const key = `${stage} ${state}`;
    const g = groups.get(key) ?? { t: [], rss: [] };
    g.t.push(Number(us) / 1000);
    g.rss.push(Number(rss));
    groups.set(key, g);
  }
  for (const [k, g] of groups) out[k] = { n: g.t.length, medianMs: median(g.t), maxRssKiB: Math.max(...g.rss) };
  return out;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (run after sudo bash test/setup.sh)');
  if (existsSync(PIN_LINK)) throw new Error(`${PIN_LINK} exists: something is being traced; stop it first (or reboot) for clean figures`);
  mkdirSync(hooksDir, { recursive: true });
  sh('gcc', ['-static', '-O2', '-o', loop, join(ROOT, 'test/fixtures/programs/syscall-loop.c')]);
  installHooks(hooksDir);
  installTimedHooks();
  const results: Record<string, unknown> = { runs: RUNS, syscalls: PAIRS * 2, date: new Date().toISOString() };
  const log = (k: string, r: Ratio, unit: (x: number) => string) =>
    console.log(`${k.padEnd(34)} untraced ${unit(r.untraced).padStart(10)}  traced ${unit(r.traced).padStart(10)}  ratio ${r.ratio.toFixed(3)}`);
  const fmtMs = (x: number) => `${ms(x).toFixed(1)} ms`;

  let n = 0;
  if (ONLY.has('start')) {
  results.startCold = interleave(() => startTime(false, ''), () => startTime(true, `start-${n++}`));
  log('start (cold: program loaded per run)', results.startCold as Ratio, fmtMs);

  const stopWarm = startTraced(1, 'keep-warm');
  try {
    results.startWarm = interleave(() => startTime(false, ''), () => startTime(true, `warm-${n++}`));
    log('start (warm: program already pinned)', results.startWarm as Ratio, fmtMs);
  } finally {
    stopWarm();
  }
  }

  if (ONLY.has('hooks')) {
    for (let i = 0; i < RUNS; i++) startTime(true, `hooks-cold-${n++}`, timedHooksDir);
    const stopWarm = startTraced(1, 'keep-warm-hooks');
    try {
      for (let i = 0; i < RUNS; i++) startTime(true, `hooks-warm-${n++}`, timedHooksDir);
    } finally {
      stopWarm();
    }
    // The floor, through the same timing wrapper: a bare `node -e 0` (its last word is the label).
    for (let i = 0; i < RUNS * 2; i++) execFileSync(join(work, 'timed-hook.sh'), [process.execPath, '-e', '0', 'node-e-0'], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const hooks = hookStats();
    const floor = Object.entries(hooks).find(([k]) => k.startsWith('node-e-0'))?.[1];
    results.hooks = hooks;
    for (const [k, h] of Object.entries(hooks)) {
      const over = floor && !k.startsWith('node-e-0') ? `, ${(h.medianMs / floor.medianMs).toFixed(2)}x node -e 0 (+${(h.medianMs - floor.medianMs).toFixed(1)} ms)` : '';
      const label = k.startsWith('node-e-0') ? 'node -e 0 (floor)' : k;
      console.log(`hook ${label.padEnd(17)} median ${h.medianMs.toFixed(1).padStart(6)} ms over ${String(h.n).padStart(3)} runs, peak RSS ${(h.maxRssKiB / 1024).toFixed(1)} MiB${over}`);
    }
  }

  if (ONLY.has('wrapper')) {
    // Untraced: what every container pays once an administrator makes the wrapper the default.
    // Both by path: podman treats a runtime named in containers.conf (runc) apart from a path.
    const runc = execFileSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' }).trim();
    const vsRunc = (k: string, r: Ratio) => console.log(`${k.padEnd(34)} runc ${fmtMs(r.untraced).padStart(10)}  wrapper ${fmtMs(r.traced).padStart(10)}  ratio ${r.ratio.toFixed(3)}`);
    results.wrapperPodman = interleave(() => startTime(false, '', hooksDir, ['--runtime', runc]), () => startTime(false, '', hooksDir, ['--runtime', WRAPPER]));
    vsRunc('start, untraced (podman)', results.wrapperPodman as Ratio);
    results.wrapperDocker = await withDockerd((docker) => {
      const run = (runtime: string) => docker(['run', '--rm', '--network', 'none', '--runtime', runtime, IMAGE, 'true']);
      return interleave(() => run('runc'), () => run('seccomp-gen'));
    });
    if (results.wrapperDocker) vsRunc('start, untraced (docker)', results.wrapperDocker as Ratio);
    // A command it passes straight on: sh, a case over argv, exec (no Node).
    const state = (bin: string) => () => {
      const s = now();
      spawnSync(bin, ['--root', work, 'state', 'no-such-container'], { stdio: 'ignore' });
      return Number(now() - s);
    };
    results.wrapperState = interleave(state(runc), state(WRAPPER));
    vsRunc('runtime state, a command passed on', results.wrapperState as Ratio);
  }

  if (ONLY.has('inside')) {
    results.inside = interleave(() => insideLoop(false, ''), () => insideLoop(true, `inside-${n++}`));
    log(`inside (${(PAIRS * 2) / 1e6} M syscalls)`, results.inside as Ratio, fmtMs);
  }
  if (!ONLY.has('host')) {
    writeFileSync(opts.out, JSON.stringify(results, null, 2) + '\n');
    return;
  }

  // The untraced host baseline needs nothing attached, so it cannot alternate run by run with a
  // set of running containers: it is measured before and after the traced sets, and pooled.
  const base: number[] = [];
  for (let i = 0; i < RUNS; i++) base.push(hostLoop());
  const host: Record<string, Ratio> = {};
  const memory: Record<string, { map: number; counts: number; prog: number }> = {};
  for (const count of COUNTS) {
    const stop = startTraced(count, `host${count}`);
    try {
      memory[String(count)] = kernelMemory();
      const traced: number[] = [];
      for (let i = 0; i < RUNS; i++) traced.push(hostLoop());
      host[String(count)] = { untraced: 0, traced: median(traced), ratio: 0 };
    } finally {
      stop();
    }
  }
  for (let i = 0; i < RUNS; i++) base.push(hostLoop());
  for (const [count, r] of Object.entries(host)) {
    r.untraced = median(base);
    r.ratio = r.traced / r.untraced;
    log(`host, ${count} container(s) traced`, r, fmtMs);
  }
  results.host = host;
  results.floor = await withEmptyProgram(() => {
    const f: number[] = [];
    for (let i = 0; i < RUNS; i++) f.push(hostLoop());
    return { untraced: median(base), traced: median(f), ratio: median(f) / median(base) };
  });
  log('host, empty raw_tp program (floor)', results.floor as Ratio, fmtMs);

  results.memory = memory;
  const counts = Object.keys(memory).map(Number).sort((a, b) => a - b);
  const lo = counts[0]!;
  const hi = counts[counts.length - 1]!;
  const perTarget = hi > lo ? (memory[String(hi)]!.map - memory[String(lo)]!.map) / (hi - lo) : NaN;
  results.memoryPerTarget = perTarget;
  console.log(`kernel memory: program ${memory[String(lo)]!.prog} B, counts map ${memory[String(lo)]!.counts} B, targets map ${memory[String(lo)]!.map} B at ${lo} → ${memory[String(hi)]!.map} B at ${hi}: ${perTarget.toFixed(0)} B per traced container`);

  writeFileSync(opts.out, JSON.stringify(results, null, 2) + '\n');
  console.log(`results written to ${opts.out}`);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}
