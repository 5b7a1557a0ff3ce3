#!/usr/bin/env node
/**
 * The OCI hook entry, run by the runtime as `node main.js prestart|poststop` with the OCI state
 * on stdin. Kept apart from the CLI so a hook loads only what it needs: the container waits.
 * A failure exits 1 with one line on stderr, which podman shows in its own error.
 */
import { readFileSync } from 'node:fs';
import { SeccompGenError, describeError } from '../errors.js';
import { parseOciState } from '../oci/state.js';

async function run(stage: string | undefined): Promise<void> {
  const state = parseOciState(readFileSync(0, 'utf8'));
  if (stage === 'prestart') {
    await (await import('./prestart.js')).prestart(state);
  } else if (stage === 'poststop') {
    const result = (await import('./poststop.js')).poststop(state);
    for (const w of result?.warnings ?? []) process.stderr.write(`seccomp-gen poststop: warning: ${w}\n`);
  } else {
    throw new SeccompGenError('USAGE', `unknown hook stage "${stage ?? ''}": expected prestart or poststop`);
  }
}

const stage = process.argv[2];
try {
  await run(stage);
} catch (e) {
  const { text, exitCode } = describeError(`seccomp-gen ${stage ?? 'hook'}`, e);
  process.stderr.write(`${text}\n`);
  process.exitCode = exitCode;
}
