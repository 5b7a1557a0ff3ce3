/**
 * The built CLI as a shell pipeline runs it: a reader that stops early (`seccomp-gen status |
 * head -1`) must not make it die with an EPIPE stack trace (issue 23). No root needed (`status`
 * itself only as root, with a state directory of its own), but the build: npm run build first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** `node MAIN args | true`: `true` exits at once, so every write of ours after that meets a closed pipe. */
function piped(args: string[], env: NodeJS.ProcessEnv = process.env) {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: this test runs the built CLI, npm run build first`);
  const r = spawnSync('sh', ['-c', `node ${MAIN} ${args.join(' ')} | true`], { encoding: 'utf8', env });
  return { stderr: r.stderr, status: r.status };
}

describe('output into a pipe whose reader left', () => {
  it('--help and status --help end quietly', () => {
    for (const args of [['--help'], ['status', '--help'], ['gc', '--help']]) {
      expect({ args, ...piped(args) }).toEqual({ args, stderr: '', status: 0 });
    }
  });

  it.skipIf(process.getuid?.() !== 0)('status (root) ends quietly', () => {
    const run = mkdtempSync(join(tmpdir(), 'sg-main-'));
    try {
      const env = { ...process.env, SECCOMP_GEN_RUN_DIR: run, SECCOMP_GEN_PIN_DIR: join(run, 'no-pins') };
      for (const args of [['status'], ['status', '--json']]) expect({ args, ...piped(args, env) }).toEqual({ args, stderr: '', status: 0 });
    } finally {
      rmSync(run, { recursive: true, force: true });
    }
  });
});
