/**
 * examples/ci: the workflow is valid YAML whose steps run the example scripts that exist, the
 * scripts parse, and the committed profiles load and say what their workload needs (the
 * end-to-end tests, test/e2e/record.test.ts and image-label.test.ts, run the scripts for real).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadProfile } from '../../src/toolkit/normalize.js';

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
