/**
 * The output policy on real files, as root (the hooks' case): writes and reads done with another
 * uid's rights, the refusals, and a writer raced by a directory swapped for a symlink hundreds of
 * times. Skipped unless root (setuid needs it); CI runs as root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOutput, readInput, writeOutput } from '../../src/policy/output-file.js';
import { outputPolicy } from '../../src/policy/output-policy.js';
import { SeccompGenError } from '../../src/errors.js';

const isRoot = process.getuid?.() === 0;
// Users no passwd names: the writer gets its primary group only (identityOf's fallback).
const ALICE = { uid: 4242, gid: 4243 };
const BOB = { uid: 4244, gid: 4245 };
const PROFILE = '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[]}\n';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'sg-outfile-'));
  chmodSync(base, 0o755);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

function dirOf(name: string, uid: number, gid: number, mode: number): string {
  const d = join(base, name);
  mkdirSync(d);
  chownSync(d, uid, gid);
  chmodSync(d, mode);
  return d;
}

describe.skipIf(!isRoot)('with the starter\'s own rights', () => {
  const policy = outputPolicy({ starter: ALICE });

  it('refuses a directory the starter cannot write, at prestart, leaving nothing', () => {
    const d = dirOf('roots', 0, 0, 0o755);
    expect(refusal(() => checkOutput(policy, join(d, 'p.json')))).toMatch(/p\.json: cannot create a file in .*roots \(EACCES\)/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('writes in their own directory, the file theirs, mode 0644', () => {
    const d = dirOf('alice', ALICE.uid, ALICE.gid, 0o755);
    checkOutput(policy, join(d, 'p.json'));
    expect(readdirSync(d)).toEqual([]); // the probe leaves nothing
    writeOutput(policy, join(d, 'p.json'), PROFILE);
    const st = statSync(join(d, 'p.json'));
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([ALICE.uid, ALICE.gid, 0o644]);
    expect(process.geteuid!()).toBe(0); // back to root
    expect(process.getegid!()).toBe(0);
  });

  it('writes in a group-writable directory of their group', () => {
    const d = dirOf('shared', 0, ALICE.gid, 0o770);
    writeOutput(policy, join(d, 'p.json'), PROFILE);
    expect(statSync(join(d, 'p.json')).uid).toBe(ALICE.uid);
  });

  it('replaces their empty (mktemp) file and their profile; refuses their other files', () => {
    const d = dirOf('own', ALICE.uid, ALICE.gid, 0o755);
    for (const [name, text] of [['empty', ''], ['profile', PROFILE]] as const) {
      writeFileSync(join(d, name), text);
      chownSync(join(d, name), ALICE.uid, ALICE.gid);
      checkOutput(policy, join(d, name));
      writeOutput(policy, join(d, name), PROFILE.replace('[]', '[ ]'));
      expect(readFileSync(join(d, name), 'utf8')).toContain('[ ]');
    }
    writeFileSync(join(d, '.profile'), 'export PATH=/evil\n');
    chownSync(join(d, '.profile'), ALICE.uid, ALICE.gid);
    expect(refusal(() => checkOutput(policy, join(d, '.profile')))).toMatch(/\.profile: exists and is not a seccomp profile/);
    expect(readFileSync(join(d, '.profile'), 'utf8')).toBe('export PATH=/evil\n');
  });

  it("never replaces or takes over another user's file, even where both may write", () => {
    const d = dirOf('both', 0, ALICE.gid, 0o770);
    writeFileSync(join(d, 'bobs.json'), PROFILE);
    chownSync(join(d, 'bobs.json'), BOB.uid, ALICE.gid);
    chmodSync(join(d, 'bobs.json'), 0o664);
    expect(refusal(() => writeOutput(policy, join(d, 'bobs.json'), '{"defaultAction":"SCMP_ACT_ALLOW"}'))).toMatch(/belongs to uid 4244, not to uid 4242/);
    expect(statSync(join(d, 'bobs.json')).uid).toBe(BOB.uid);
    expect(readFileSync(join(d, 'bobs.json'), 'utf8')).toBe(PROFILE);
  });

  it('reads if: only if they may, and says nothing of its content', () => {
    const secret = join(base, 'secret.json');
    writeFileSync(secret, '{"defaultAction":"SCMP_ACT_ALLOW","comment":"TOP-SECRET"}', { mode: 0o600 });
    const message = refusal(() => readInput(policy, secret));
    expect(message).toMatch(/secret\.json: cannot open \(EACCES\)/);
    expect(message).not.toMatch(/TOP-SECRET/);
    chmodSync(secret, 0o644);
    expect(readInput(policy, secret)).toContain('TOP-SECRET');
  });
});

describe.skipIf(!isRoot)('as root, nobody known', () => {
  const policy = outputPolicy({});

  it('refuses to replace an existing file that is not a profile, and leaves it intact', () => {
    const victim = join(base, 'victim.conf');
    writeFileSync(victim, 'keep\n');
    expect(refusal(() => checkOutput(policy, victim))).toMatch(/victim\.conf: exists and is not a seccomp profile/);
    expect(refusal(() => writeOutput(policy, victim, PROFILE))).toMatch(/not a seccomp profile/);
    expect(readFileSync(victim, 'utf8')).toBe('keep\n');
  });

  it('refuses the system directories, and /proc, /sys, /dev always', () => {
    expect(refusal(() => checkOutput(policy, `/etc/sg-new-${process.pid}.json`))).toMatch(/refusing to write, as root, into \/etc/);
    expect(existsSync(`/etc/sg-new-${process.pid}.json`)).toBe(false);
    expect(refusal(() => checkOutput(policy, '/proc/self/p.json'))).toMatch(/under \/proc/);
    expect(refusal(() => checkOutput(outputPolicy({ outputDirs: ['/'] }), '/dev/shm/p.json'))).toMatch(/under \/dev/);
  });

  it('a directory swapped for a symlink while it writes (renameat2 in a loop, 400 rounds) never leads the write out', async () => {
    const racer = join(base, 'swap-dir');
    const cc = spawnSync('gcc', ['-O2', '-o', racer, join(__dirname, '../fixtures/host-programs/swap-dir.c')], { encoding: 'utf8' });
    expect(cc.stderr).toBe('');
    const allowed = join(base, 'allowed');
    const ws = join(allowed, 'ws');
    const victim = join(base, 'victim');
    mkdirSync(join(ws, 'd'), { recursive: true });
    mkdirSync(victim);
    symlinkSync(victim, join(ws, 'link'));
    const listed = outputPolicy({ outputDirs: [allowed] });
    const child = spawn(racer, [join(ws, 'd'), join(ws, 'link')], { stdio: 'ignore' });
    let written = 0;
    let refused = 0;
    try {
      for (let i = 0; i < 400; i++) {
        try {
          writeOutput(listed, join(ws, 'd', 'p.json'), PROFILE);
          written++;
        } catch (e) {
          expect((e as SeccompGenError).code).toBe('PATH');
          refused++;
        }
        if (i % 50 === 0) await new Promise((r) => setImmediate(r)); // let the racer be scheduled
      }
    } finally {
      child.kill('SIGKILL');
    }
    console.log(`raced writer: ${written} written inside, ${refused} refused, ${readdirSync(victim).length} outside`);
    expect(readdirSync(victim)).toEqual([]);
    expect(written + refused).toBe(400);
    expect(refused).toBeGreaterThan(0); // the race did happen
  });
});

describe.skipIf(!isRoot)('Kubernetes', () => {
  it("makes the pod's namespace directory on first use, and writes nowhere else", () => {
    const root = join(base, 'lib');
    mkdirSync(root);
    const policy = outputPolicy({ kubernetesNamespace: 'team-a', outputDirs: [root] });
    checkOutput(policy, join(root, 'team-a', 'p.json'));
    expect(statSync(join(root, 'team-a')).mode & 0o777).toBe(0o755);
    writeOutput(policy, join(root, 'team-a', 'p.json'), PROFILE);
    expect(refusal(() => checkOutput(policy, join(root, 'team-b', 'p.json')))).toMatch(/does not exist|own namespace/);
    mkdirSync(join(root, 'team-b'));
    expect(refusal(() => checkOutput(policy, join(root, 'team-b', 'p.json')))).toMatch(/only under its own namespace's directory/);
    expect(readdirSync(join(root, 'team-b'))).toEqual([]);
    writeFileSync(join(root, 'team-b', 'base.json'), PROFILE);
    expect(refusal(() => readInput(policy, join(root, 'team-b', 'base.json')))).toMatch(/reads its base profile only from its own namespace's directory/);
    expect(readInput(policy, join(root, 'team-a', 'p.json'))).toBe(PROFILE);
  });
});
