/**
 * prestart: the container's processes exist (state.pid, in its namespaces) but the workload has
 * not been exec'ed yet. Check everything the user chose now — a bad annotation or if: file stops
 * the container here, with one line podman shows — then register the target and return fast:
 * the container waits for us.
 */
import { SeccompGenError } from '../errors.js';
import { FLAG_FILTERED_ONLY } from '../kernel/abi.js';
import { targetKeyOf } from '../kernel/namespaces.js';
import { Recorder } from '../kernel/recorder.js';
import { ANNOTATION, parseTraceAnnotation } from '../oci/annotation.js';
import { readReplayAnswers } from '../oci/bundle.js';
import { runtimeName } from '../oci/runtime.js';
import type { OciState } from '../oci/state.js';
import { checkOutputPath } from '../profile/write.js';
import { withLock } from '../state/lock.js';
import { deleteTarget, loadTarget, saveTarget, type TargetRecord } from '../state/targets.js';

export async function prestart(state: OciState): Promise<TargetRecord | null> {
  const value = state.annotations?.[ANNOTATION];
  if (value === undefined) return null; // not asked to trace this container
  const request = parseTraceAnnotation(value);
  checkOutputPath(request.output);
  let base;
  if (request.input !== undefined) {
    try {
      // Loaded only when needed: profile validation brings zod, ~100 ms of start-up.
      const { readProfileFile } = await import('../profile/read.js');
      base = readProfileFile(request.input);
    } catch (e) {
      throw new SeccompGenError('PROFILE', `if: ${(e as Error).message}`);
    }
  }
  if (state.pid === undefined) throw new SeccompGenError('STATE', 'the OCI state has no pid: install seccomp-gen as a prestart hook');
  const replay = readReplayAnswers(state.bundle);
  const key = targetKeyOf(state.pid);
  const runtime = runtimeName();
  const record: TargetRecord = {
    version: 1,
    id: state.id,
    key,
    // Under a filter, record only what runs under it: the runtime's own setup calls drop out.
    // Without one there is no such mark: record all the namespace runs, which includes the
    // runtime's setup after this hook but also its calls after it would install a filter,
    // which a replay under the profile needs.
    mode: replay.filtered ? 'filtered' : 'all',
    pid: state.pid,
    ...(runtime !== undefined ? { runtime } : {}),
    output: request.output,
    ...(request.input !== undefined ? { input: request.input, base } : {}),
    replay,
    startedAt: new Date().toISOString(),
  };

  withLock(() => {
    const recorder = Recorder.attach();
    try {
      const stale = loadTarget(state.id); // the same container started again after a lost poststop
      if (stale) recorder.removeTarget(stale.key);
      saveTarget(record);
      try {
        recorder.addTarget(key, record.mode === 'filtered' ? FLAG_FILTERED_ONLY : 0n);
      } catch (e) {
        deleteTarget(state.id);
        recorder.detachIfIdle();
        throw e;
      }
    } finally {
      recorder.close();
    }
  });
  return record;
}
