/**
 * The replay suite (root, podman, the Debian test image): for each realistic workload,
 *   1. trace it and check it did what it does untraced;
 *   2. replay it under its profile: same stdout and exit code;
 *   3. cross-check with strace in the container: every syscall the workload made after its exec
 *      is allowed by the profile, or was refused while traced with the very errno the profile
 *      gives it (ptrace sees a call before seccomp refuses it; our tracepoint only after).
 * and across runtimes: a profile traced under runc starts and replays identically under crun,
 * one traced under crun under crun and runc (the runtimes' rule, profile/runtime-sets.ts).
 * Prints the tables: workload, syscalls allowed, replay, strace cross-check; and workload ×
 * (traced under, replayed under).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowed, podman, readProfile, runPlain, runUnder, trace, workspace, type ProfileJson, type Run, type TestRuntime, type Workspace } from './support.js';
import { DEBIAN_IMAGE, WORKLOADS } from './workloads.js';
import { describeArgs } from '../../src/toolkit/describe-args.js';
import { canonicalArgs } from '../../src/toolkit/model.js';

let ws: Workspace;
const table: { workload: string; syscalls: number; args: string; replay: string; strace: string }[] = [];
const crossTable: string[] = [];
beforeAll(() => {
  ws = workspace();
  const image = podman(ws.hooksDir, ['image', 'exists', DEBIAN_IMAGE]);
  if (image.status !== 0) throw new Error(`${DEBIAN_IMAGE} is missing: run test/images/build-debian.sh (test/setup.sh does)`);
});
afterAll(() => {
  if (table.length) {
    const rows = table.map((r) => `| ${r.workload} | ${r.syscalls} | ${r.args} | ${r.replay} | ${r.strace} |`);
    console.log(['| workload | syscalls | argument rules | replay | strace cross-check |', '| --- | --- | --- | --- | --- |', ...rows].join('\n'));
  }
  if (crossTable.length) console.log(['| workload | traced under | replayed under | result |', '| --- | --- | --- | --- |', ...crossTable].join('\n'));
  ws?.cleanup();
});

interface StraceCall {
  name: string;
  errno?: string;
}

/** The syscalls of `strace -f -qq -o` output, with the errno of those that failed. */
export function parseStrace(text: string): StraceCall[] {
  const calls: StraceCall[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+\s+([a-z_][a-z0-9_]*)\(.*\)\s+=\s+(-?\d+|\?)(?:\s+(E[A-Z0-9]+))?/.exec(line) ?? /^\d+\s+<\.\.\. ([a-z_][a-z0-9_]*) resumed>.*=\s+(-?\d+|\?)(?:\s+(E[A-Z0-9]+))?/.exec(line);
    const unfinished = /^\d+\s+([a-z_][a-z0-9_]*)\(.*<unfinished \.\.\.>$/.exec(line);
    if (m) calls.push(m[3] ? { name: m[1]!, errno: m[3] } : { name: m[1]! });
    else if (unfinished) calls.push({ name: unfinished[1]! });
  }
  return calls;
}

const ERRNO: Record<string, number> = { EPERM: 1, ENOSYS: 38, EACCES: 13, EINVAL: 22 };

/** The errno the profile answers `name` with, if it refuses it with one. */
function profileErrno(profile: ProfileJson, name: string): number | undefined {
  const rule = profile.syscalls.find((r) => r.names.includes(name));
  if (rule) return rule.action === 'SCMP_ACT_ERRNO' ? (rule.errnoRet ?? 1) : undefined;
  return profile.defaultAction === 'SCMP_ACT_ERRNO' ? (profile.defaultErrnoRet ?? 1) : undefined;
}

/** The profile's argument rules in words: `socket: AF_UNIX/SOCK_STREAM, AF_INET/SOCK_DGRAM; clone: …`. */
function argumentRules(profile: ProfileJson): string {
  const byName = new Map<string, string[]>();
  for (const r of profile.syscalls) {
    if (!r.args?.length) continue;
    for (const name of r.names) {
      const words = describeArgs(name, canonicalArgs(r.args));
      byName.set(name, [...(byName.get(name) ?? []), r.action === 'SCMP_ACT_ALLOW' ? words : `${r.action.replace('SCMP_ACT_', '')}(${r.errnoRet ?? 1}) ${words}`]);
    }
  }
  const refused = profile.syscalls.filter((r) => r.names.includes('clone3') && r.errnoRet === 38).length ? '; clone3: ENOSYS' : '';
  return [...byName].map(([n, w]) => `${n}: ${w.join(', ')}`).join('; ') + refused || 'none';
}

describe('replay suite', () => {
  it.each(WORKLOADS)('$name replays identically and covers what strace saw', (w) => {
    const out = join(ws.dir, `${w.name.replace(/\W+/g, '-')}.json`);
    const opts = { image: DEBIAN_IMAGE, podmanArgs: w.podmanArgs ?? [] };
    const baseline = runPlain(ws.hooksDir, w.cmd, opts);
    expect(baseline.status, baseline.stderr).toBe(0);
    const traced = trace(ws.hooksDir, out, w.cmd, opts);
    expect({ status: traced.status, stdout: traced.stdout }).toEqual({ status: baseline.status, stdout: baseline.stdout });
    const profile = readProfile(out);
    const names = allowed(profile);

    const replay = runUnder(ws.hooksDir, out, w.cmd, opts);
    const replayed = replay.status === baseline.status && replay.stdout === baseline.stdout;
    const underCrun = runUnder(ws.hooksDir, out, w.cmd, { ...opts, runtime: 'crun' });
    crossTable.push(crossRow(w.name, 'runc', 'runc', replay, baseline), crossRow(w.name, 'runc', 'crun', underCrun, baseline));

    const straceDir = mkdtempSync(join(tmpdir(), 'seccomp-gen-strace-'));
    let missing: string[] = [];
    try {
      const st = podman(ws.hooksDir, ['run', '--rm', ...opts.podmanArgs, '-v', `${straceDir}:/out`, DEBIAN_IMAGE, 'strace', '-f', '-qq', '-o', '/out/trace.txt', ...w.cmd]);
      expect(st.stdout).toBe(baseline.stdout);
      const calls = parseStrace(readFileSync(join(straceDir, 'trace.txt'), 'utf8'));
      expect(calls.length).toBeGreaterThan(10);
      missing = [
        ...new Set(
          calls
            .filter((c) => !names.has(c.name))
            // refused while traced, and refused the same way by the profile: fine
            .filter((c) => !(c.errno !== undefined && ERRNO[c.errno] !== undefined && profileErrno(profile, c.name) === ERRNO[c.errno]))
            // clone filtered by its arguments: clone3 (flags out of seccomp's reach) is answered
            // ENOSYS and glibc falls back to the allowed clone; the replay above proves it
            .filter((c) => !(c.name === 'clone3' && names.has('clone') && profileErrno(profile, 'clone3') === ERRNO.ENOSYS))
            .map((c) => `${c.name}${c.errno ? ` (${c.errno})` : ''}`),
        ),
      ];
    } finally {
      rmSync(straceDir, { recursive: true, force: true });
    }
    table.push({ workload: w.name, syscalls: names.size, args: argumentRules(profile), replay: replayed ? 'pass' : `FAIL (${replay.status})`, strace: missing.length ? `missing ${missing.join(', ')}` : 'pass' });
    expect({ status: replay.status, stdout: replay.stdout, stderr: replay.stderr }).toEqual({ status: baseline.status, stdout: baseline.stdout, stderr: baseline.stderr });
    expect(missing).toEqual([]);
    expect({ status: underCrun.status, stdout: underCrun.stdout, stderr: underCrun.stderr }).toEqual({ status: baseline.status, stdout: baseline.stdout, stderr: baseline.stderr });
  });

  it.each(WORKLOADS)('$name traced under crun replays identically under crun and runc', (w) => {
    const out = join(ws.dir, `${w.name.replace(/\W+/g, '-')}.crun.json`);
    const opts = { image: DEBIAN_IMAGE, podmanArgs: w.podmanArgs ?? [] };
    const traced = trace(ws.hooksDir, out, w.cmd, { ...opts, runtime: 'crun' });
    expect(traced.status, traced.stderr).toBe(0);
    const replays = (['crun', 'runc'] as const).map((runtime) => [runtime, runUnder(ws.hooksDir, out, w.cmd, { ...opts, runtime })] as const);
    for (const [runtime, r] of replays) crossTable.push(crossRow(w.name, 'crun', runtime, r, traced));
    for (const [, r] of replays) expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: traced.status, stdout: traced.stdout, stderr: traced.stderr });
  });
});

function crossRow(workload: string, tracedUnder: TestRuntime, replayedUnder: TestRuntime, r: Run, expected: Run): string {
  const same = r.status === expected.status && r.stdout === expected.stdout;
  return `| ${workload} | ${tracedUnder} | ${replayedUnder} | ${same ? 'identical' : `FAIL (${r.status}: ${r.stderr.trim().split('\n').at(-1) ?? ''})`} |`;
}
