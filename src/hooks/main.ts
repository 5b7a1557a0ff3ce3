#!/usr/bin/env node
/**
 * The OCI hook entry, run by the runtime as `node main.js prestart|poststop` with the OCI state
 * on stdin. Kept apart from the CLI so a hook loads only what it needs: the container waits.
 * A failure exits 1 with one line on stderr, which podman shows in its own error; every outcome
 * is also one line in the log (log/log.ts).
 */
import { readFileSync } from 'node:fs';
import { SeccompGenError, describeError } from '../errors.js';
import { loadConfig } from '../config/config.js';
import { logEvent, setLogFile } from '../log/log.js';
import { NO_NAMES, traceRequestFor, type NameSource, type TraceChoice } from '../oci/annotation.js';
import { conmonName, specHostname } from '../oci/container-name.js';
import { parseOciState, type OciState } from '../oci/state.js';
import { hostIdentity } from '../broker/ownership.js';
import { userLogFile } from '../rootless/user-state.js';
import { WRITE_UNWRITTEN_STAGE } from '../write/stages.js';

let state: OciState | undefined;

/** Not a runtime's stage: a prestart's writer of a dead container's profile (write/writer.ts). */
async function writeUnwritten(id: string | undefined): Promise<void> {
  const config = loadConfig();
  setLogFile(config.logFile);
  const { writeOne } = await import('../write/writer.js');
  const event = writeOne(id ?? '', config);
  process.stdout.on('error', () => {}); // a prestart that went on without waiting closed the pipe
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** A stage's warnings: on stderr, which podman shows, and in the log. */
function warn(stage: string, id: string, warnings: readonly string[]): void {
  for (const w of warnings) {
    process.stderr.write(`seccomp-gen ${stage}: warning: ${w}\n`);
    logEvent(stage, 'warning', { id }, w);
  }
}

/** What prestart can learn of the container's name (poststop cannot: Podman runs it itself). */
function namesAt(stage: 'prestart' | 'poststop', found: OciState): NameSource {
  return stage === 'prestart' ? { name: () => conmonName(found.id), hostname: () => specHostname(found.bundle) } : NO_NAMES;
}

async function run(stage: string | undefined): Promise<void> {
  if (stage === WRITE_UNWRITTEN_STAGE) return writeUnwritten(process.argv[3]);
  if (stage !== 'prestart' && stage !== 'poststop') throw new SeccompGenError('USAGE', `unknown hook stage "${stage ?? ''}": expected prestart or poststop`);
  const found = parseOciState(readFileSync(0, 'utf8'));
  state = found;
  // hooks.d runs us only for containers with a trace key; a runtime set up to run us for every
  // one (an `always` hook) gets nothing done, at either stage, for the others.
  const choice = traceRequestFor(found.annotations, namesAt(stage, found));
  if (choice.kind === 'none') return;
  // A rootless hook reads no config: the settings limit root, and root's file is not even
  // owned by anyone in the user's namespace (it shows as nobody there).
  const me = hostIdentity();
  if (me.rootless) return runRootless(stage, found, choice, me.uid);
  const config = loadConfig();
  setLogFile(config.logFile);
  if (stage === 'prestart') {
    if (choice.kind === 'declined') return logEvent(stage, 'not-traced', { id: found.id }, choice.why);
    const result = await (await import('./prestart.js')).prestart(found, choice.value, config);
    warn(stage, found.id, result.warnings);
    if (result.record) logEvent(stage, 'traced', { id: found.id, key: `${result.record.key.kind}:${result.record.key.inum}`, output: result.record.output, uid: result.record.owner?.uid });
  } else {
    const result = (await import('./poststop.js')).poststop(found, config, choice.kind === 'trace');
    warn(stage, found.id, result.warnings);
    if (result.syscalls) logEvent(stage, 'written', { id: found.id, output: result.output, syscalls: result.syscalls });
    if (result.note) logEvent(stage, result.note.event, { id: found.id, output: result.output }, result.note.detail);
  }
}

/** Not root on the host (rootless podman): the broker does the kernel's part (hooks/rootless.ts). */
async function runRootless(stage: 'prestart' | 'poststop', state: OciState, choice: Exclude<TraceChoice, { kind: 'none' }>, uid: number): Promise<void> {
  // The system log is root's: a rootless hook's events go to the user's own run directory.
  delete process.env.SECCOMP_GEN_LOG;
  setLogFile(userLogFile(uid));
  const rootless = await import('../rootless/hooks.js');
  if (stage === 'prestart') {
    if (choice.kind === 'declined') return logEvent(stage, 'not-traced', { id: state.id, uid }, choice.why);
    const record = await rootless.rootlessPrestart(state, choice.value, uid);
    logEvent(stage, 'traced', { id: state.id, key: `${record.key.kind}:${record.key.inum}`, output: record.output, uid });
  } else {
    const result = await rootless.rootlessPoststop(state, uid, choice.kind === 'trace');
    warn(stage, state.id, result.warnings);
    if (result.syscalls) logEvent(stage, 'written', { id: state.id, output: result.output, syscalls: result.syscalls, uid });
    if (result.note) logEvent(stage, result.note.event, { id: state.id, output: result.output, uid }, result.note.detail);
  }
}

const stage = process.argv[2];
// A promise chain, not top-level await: the bundle is CommonJS (see package.json build:hook).
run(stage).catch((e: unknown) => {
  const { text, exitCode } = describeError(`seccomp-gen ${stage ?? 'hook'}`, e);
  process.stderr.write(`${text}\n`);
  logEvent(stage ?? 'hook', 'refused', { id: state?.id, code: e instanceof SeccompGenError ? e.code : 'BUG' }, text.split('\n')[0]);
  process.exitCode = exitCode;
});
