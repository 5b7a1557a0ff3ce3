/**
 * examples/ci: the workflow is valid YAML whose steps run the example scripts that exist, the
 * scripts parse, and the committed profiles load and say what their workload needs (the
 * end-to-end tests, test/e2e/record.test.ts and image-label.test.ts, run the scripts for real).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadProfile } from '../../src/toolkit/load.js';

const path = (name: string) => fileURLToPath(new URL(`../../examples/ci/${name}`, import.meta.url));

describe('examples/ci', () => {
  it('the workflow runs the example scripts, host and image', () => {
    const wf = parseYaml(readFileSync(path('github-actions.yml'), 'utf8')) as { jobs: Record<string, { steps: { run?: string }[] }> };
    const runs = (job: string) => wf.jobs[job]!.steps.map((s) => s.run ?? '').join('\n');
    expect(runs('profile')).toMatch(/examples\/ci\/record-and-check\.sh /);
    expect(runs('image')).toMatch(/seccomp-gen install/);
    expect(runs('image')).toMatch(/examples\/ci\/image-record-and-check\.sh profiles\/app\.json /);
  });

  it.each(['record-and-check.sh', 'image-record-and-check.sh'])('%s is valid bash', (script) => {
    expect(spawnSync('bash', ['-n', path(script)]).status).toBe(0);
  });

  describe('record-and-check.sh, run with a stand-in seccomp-gen (record writes FAKE_PROFILE, diff compares bytes)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-ci-'));
    const fake = join(dir, 'fake-sg');
    writeFileSync(
      fake,
      `#!/usr/bin/env bash
set -eu
case "$1" in
  record) out=$3; shift 4; cp "$FAKE_PROFILE" "$out"; exec "$@" ;;
  diff) shift 2; cmp -s "$1" "$2" && exit 0; echo "+ drifted"; exit 1 ;;
esac
exit 99
`,
      { mode: 0o755 },
    );
    const profile = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    const run = (args: string[], env: Record<string, string> = {}) => {
      const r = spawnSync('bash', [path('record-and-check.sh'), ...args], { encoding: 'utf8', env: { ...process.env, SECCOMP_GEN: fake, RECORDED_PROFILE: join(dir, 'recorded.json'), ...env } });
      return { status: r.status, out: r.stdout + r.stderr };
    };

    it('exits 0 when the recording matches the committed profile', () => {
      const committed = profile('same.json', '{"a":1}\n');
      const r = run([committed, '--', 'true'], { FAKE_PROFILE: profile('new.json', '{"a":1}\n') });
      expect(r).toEqual({ status: 0, out: expect.stringContaining(`${committed} is up to date`) });
    });

    it('exits 1 with the diff when it drifted, leaving the new profile to review', () => {
      const committed = profile('old.json', '{"a":1}\n');
      const r = run([committed, '--', 'true'], { FAKE_PROFILE: profile('new.json', '{"a":2}\n') });
      expect(r.status).toBe(1);
      expect(r.out).toMatch(/\+ drifted[\s\S]*the workload's syscalls changed; new profile in .*recorded\.json/);
      expect(readFileSync(join(dir, 'recorded.json'), 'utf8')).toBe('{"a":2}\n');
      expect(readFileSync(committed, 'utf8')).toBe('{"a":1}\n');
    });

    it("passes the workload's own failure on, unchecked", () => {
      const r = run([profile('c.json', '{}'), '--', 'sh', '-c', 'exit 3'], { FAKE_PROFILE: profile('new.json', '{}') });
      expect(r.status).toBe(3);
      expect(r.out).toMatch(/the workload failed \(exit 3\); profile not checked/);
    });

    it('writes the committed profile with UPDATE=1, and asks for it when it is missing', () => {
      const committed = join(dir, 'fresh.json');
      expect(run([committed, '--', 'true'], { FAKE_PROFILE: profile('new.json', '{"b":1}\n') })).toEqual({ status: 1, out: expect.stringContaining('does not exist: run once with UPDATE=1') });
      expect(run([committed, '--', 'true'], { FAKE_PROFILE: profile('new.json', '{"b":1}\n'), UPDATE: '1' }).status).toBe(0);
      expect(readFileSync(committed, 'utf8')).toBe('{"b":1}\n');
    });

    it('says how to call it (exit 2) without a -- before the command', () => {
      expect(run(['x.json', 'true', 'y'])).toEqual({ status: 2, out: expect.stringContaining('usage:') });
    });
  });

  it('the Containerfile runs the workload the committed profiles were recorded from', () => {
    expect(readFileSync(path('Containerfile'), 'utf8')).toMatch(/^COPY workload\.sh \/usr\/local\/bin\/workload\nCMD \["\/usr\/local\/bin\/workload"\]$/m);
    expect(existsSync(path('workload.sh'))).toBe(true);
    for (const name of ['workload.profile.json', 'workload.container.json']) {
      const { profile } = loadProfile(path(name));
      const allowed = profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names);
      for (const n of ['execve', 'sendfile', 'unlink']) expect(allowed).toContain(n);
      expect(allowed).not.toContain('symlink'); // only the drifting workload makes one
    }
  });
});
