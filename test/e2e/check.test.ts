/**
 * seccomp-gen check on this machine's real kernel (root, bpffs, the build): tracing works here,
 * with the build this kernel gets; the 5.10 build when SECCOMP_GEN_FEATURES asks for it; a user
 * without privileges is told so in the last line; nothing is left attached or pinned.
 * (Debian's other kernels run it in kernels.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROGRAMS } from '../../src/kernel/abi.js';
import { CLI, PIN_DIR, requireE2E, result } from './support.js';

const check = (env: Record<string, string> = {}, as?: string) => {
  const cmd = as ? ['runuser', '-u', as, '--', process.execPath, CLI, 'check'] : [process.execPath, CLI, 'check'];
  return result(spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', env: { ...process.env, ...env } }));
};

describe('seccomp-gen check', () => {
  it('says tracing will work here, with the build this kernel loads, and leaves nothing attached', () => {
    requireE2E();
    const pinnedBefore = existsSync(PIN_DIR);
    const r = check();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok {4}recorder +the kernel's verifier accepts ${PROGRAMS.atomics} `, 'm'));
    expect(r.stdout.trim().split('\n').at(-1)).toBe('tracing will work here');
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(existsSync(PIN_DIR)).toBe(pinnedBefore);
  });

  it('loads the build of a kernel without atomics and task BTF when told to (as on 5.10)', () => {
    const r = check({ SECCOMP_GEN_FEATURES: 'none' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`accepts ${PROGRAMS.plain} `));
    expect(r.stdout).toMatch(/limited by SECCOMP_GEN_FEATURES=none/);
  });

  it('tells a user without privileges why not, in its last line, exit 1', () => {
    const r = check({}, 'sg-alice');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}privileges/m);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^tracing will not work here: no CAP_BPF and CAP_PERFMON .*run as root$/);
  });
});
