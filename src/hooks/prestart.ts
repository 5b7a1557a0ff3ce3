/**
 * prestart: the container's processes exist (state.pid, in its namespaces) but the workload has
 * not been exec'ed yet. Check everything the user chose now — a bad annotation or if: file stops
 * the container here, with one line podman shows — then register the target and return fast:
 * the container waits for us (at most the configured prestartTimeoutSeconds for the lock).
 */
import { SeccompGenError, messageOf } from '../errors.js';
import type { Config } from '../config/config.js';
import { FLAG_FILTERED_ONLY } from '../kernel/abi.js';
import { bpfRefusalCauses } from '../kernel/diagnose.js';
import { targetKeyOf } from '../kernel/namespaces.js';
import { Recorder } from '../kernel/recorder.js';
import type { RecordedTarget } from '../kernel/target-codec.js';
import { logEvent } from '../log/log.js';
import { parseTraceAnnotation, traceAnnotationOf } from '../oci/annotation.js';
import { readReplayAnswers } from '../oci/bundle.js';
import { containerOwner } from '../oci/owner.js';
import { runtimeName } from '../oci/runtime.js';
import type { OciState } from '../oci/state.js';
import { checkOutput, readInput } from '../policy/output-file.js';
import { kubernetesNamespaceOf } from '../policy/kubernetes.js';
import { outputPolicy } from '../policy/output-policy.js';
import { markDone } from '../state/done.js';
import { containerAlive, gc } from '../state/gc.js';
import { withLock } from '../state/lock.js';
import { deleteTarget, listTargetIds, loadTarget, saveTarget, type TargetRecord } from '../state/targets.js';

export interface PrestartResult {
  record: TargetRecord | null;
  warnings: string[];
}

/**
 * SECCOMP_GEN_BPF_OBJECT: FOR TESTS ONLY — load another BPF object (the tests give a corrupt one
 * to make the kernel side fail on purpose). Unset in real use.
 */
function objectOverride(): string | undefined {
  return process.env.SECCOMP_GEN_BPF_OBJECT || undefined;
}

/** The kernel refused the recorder: say why and what to do, or (fail-open) let the container go. */
function refused(e: unknown, config: Config, id: string): string {
  const causes = bpfRefusalCauses();
  const why = `cannot load the BPF recorder: ${messageOf(e)}${causes.length ? `; likely: ${causes.join('; ')}` : ''}`;
  if (!config.failOpen) {
    throw new SeccompGenError('BPF', `${why}. Fix that, or set "failOpen": true in the seccomp-gen config to run such containers untraced`);
  }
  markDone(id, { reason: 'untraced', detail: why });
  return `container ${id} runs UNTRACED (failOpen): ${why}`;
}

type WriteProfileOf = (typeof import('../trace/finish.js'))['writeProfileOf'];

/** Targets left by containers that died without a poststop, collected under the lock we hold. */
function cheapGc(recorder: Recorder, writeProfileOf: WriteProfileOf | undefined, outputDirs: readonly string[] | undefined): void {
  try {
    const finish = writeProfileOf && ((r: TargetRecord, rec: RecordedTarget) => writeProfileOf(r, rec, outputDirs).output);
    const report = gc({ recorder, detach: false, ...(finish ? { finish } : {}) });
    for (const ev of report.events) logEvent('gc', ev.action, { id: ev.id }, ev.detail);
  } catch (e) {
    logEvent('gc', 'failed', {}, messageOf(e)); // never stop a container for someone else's leftovers
  }
}

/** Whether some target's container looks gone (a stat per record: cheap). */
function anyGone(): boolean {
  return listTargetIds().some((id) => {
    try {
      const r = loadTarget(id);
      return r !== null && !containerAlive(r);
    } catch {
      return true; // corrupt
    }
  });
}

export async function prestart(state: OciState, config: Config): Promise<PrestartResult> {
  const value = traceAnnotationOf(state.annotations);
  if (value === undefined) return { record: null, warnings: [] }; // not asked to trace this container
  const request = parseTraceAnnotation(value);
  if (state.pid === undefined) throw new SeccompGenError('STATE', 'the OCI state has no pid: install seccomp-gen as a prestart hook');
  // Where the profile may go and whose rights read if: and write of: (policy/output-policy.ts).
  const owner = containerOwner(state.pid);
  const kubernetesNamespace = kubernetesNamespaceOf(state.annotations);
  const policy = outputPolicy({ starter: owner, kubernetesNamespace, outputDirs: config.outputDirs });
  checkOutput(policy, request.output);
  let base;
  if (request.input !== undefined) {
    try {
      const text = readInput(policy, request.input);
      // Loaded only when needed: profile validation brings zod, ~100 ms of start-up.
      const { parseProfileText } = await import('../profile/read.js');
      base = parseProfileText(text, request.input);
    } catch (e) {
      throw new SeccompGenError(e instanceof SeccompGenError && e.code === 'PATH' ? 'PATH' : 'PROFILE', `if: ${(e as Error).message}`);
    }
  }
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
    ...(config.runtimes !== undefined ? { runtimes: config.runtimes } : {}),
    output: request.output,
    ...(request.input !== undefined ? { input: request.input, base } : {}),
    replay,
    startedAt: new Date().toISOString(),
    ...(owner ? { owner } : {}),
    ...(kubernetesNamespace !== undefined ? { kubernetesNamespace } : {}),
  };

  // Writing a dead container's profile needs libseccomp: loaded only when one is found.
  const writeProfileOf = anyGone() ? (await import('../trace/finish.js')).writeProfileOf : undefined;

  const warnings: string[] = [];
  const timeoutMs = config.prestartTimeoutSeconds * 1000;
  withLock(() => {
    let recorder: Recorder;
    try {
      recorder = Recorder.attach(objectOverride());
    } catch (e) {
      warnings.push(refused(e, config, state.id));
      return;
    }
    try {
      cheapGc(recorder, writeProfileOf, config.outputDirs);
      let stale: TargetRecord | null = null;
      try {
        stale = loadTarget(state.id); // the same container started again after a lost poststop
      } catch {
        deleteTarget(state.id); // corrupt: ours to replace
      }
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
  }, timeoutMs);
  return { record: warnings.length ? null : record, warnings };
}
