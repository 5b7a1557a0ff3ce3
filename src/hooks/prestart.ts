/**
 * prestart: the container's processes exist (state.pid, in its namespaces) but the workload has
 * not been exec'ed yet. Check everything the user chose now — a bad annotation or if: file stops
 * the container here, with one line podman shows — then register the target and return fast:
 * the container waits for us (at most the configured prestartTimeoutSeconds for the lock).
 */
import { SeccompGenError } from '../errors.js';
import type { Config } from '../config/config.js';
import { RecorderUnavailable } from '../kernel/diagnose.js';
import { targetKeyOf } from '../kernel/namespaces.js';
import { quote } from '../log/quote.js';
import { parseTraceAnnotation } from '../oci/annotation.js';
import { readReplayAnswers } from '../oci/bundle.js';
import { containerOwner } from '../oci/owner.js';
import { runtimeName } from '../oci/runtime.js';
import type { OciState } from '../oci/state.js';
import { checkOutput } from '../policy/output-file.js';
import { readBase } from './base.js';
import { kubernetesNamespaceOf } from '../policy/kubernetes.js';
import { outputPolicy } from '../policy/output-policy.js';
import { markDone } from '../state/done.js';
import { checkPathValue, storedBase } from '../state/limits.js';
import type { TargetRecord } from '../state/targets.js';
import { tellStarter } from '../state/unwritten.js';
import { registerTarget } from '../trace/register.js';

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

/** The kernel refused the recorder: say what to do, or (fail-open) let the container go. */
function refused(e: RecorderUnavailable, config: Config, id: string): string {
  if (!config.failOpen) {
    throw new SeccompGenError('BPF', `${e.message}. Fix that, or set "failOpen": true in the seccomp-gen config to run such containers untraced`);
  }
  markDone(id, { reason: 'untraced', detail: e.message });
  return `container ${id} runs UNTRACED (failOpen): ${e.message}`;
}

/** Profiles of this starter's containers that could not be written: said once, at their next start. */
function unwrittenWarnings(uid: number | undefined): string[] {
  try {
    return tellStarter(uid).map((item) => `the profile of container ${quote(item.id)} was not written to ${quote(item.note!.output)}: ${item.note!.reason} (its recording is kept in /run; seccomp-gen status lists it, seccomp-gen gc writes it)`);
  } catch {
    return []; // telling must never stop a container
  }
}

/** `annotation`: the trace request's text (oci/annotation.ts traceRequestFor), found by the hook entry. */
export async function prestart(state: OciState, annotation: string, config: Config): Promise<PrestartResult> {
  const request = parseTraceAnnotation(annotation);
  checkPathValue(request.output, 'of:');
  if (request.input !== undefined) checkPathValue(request.input, 'if:');
  if (state.pid === undefined) throw new SeccompGenError('STATE', 'the OCI state has no pid: install seccomp-gen as a prestart hook');
  // Where the profile may go and whose rights read if: and write of: (policy/output-policy.ts).
  const owner = containerOwner(state.pid);
  const kubernetesNamespace = kubernetesNamespaceOf(state.annotations);
  const policy = outputPolicy({ starter: owner, kubernetesNamespace, outputDirs: config.outputDirs });
  checkOutput(policy, request.output);
  let base;
  if (request.input !== undefined) {
    base = await readBase(policy, request.input);
    storedBase(base); // bounded: it is kept in the shared state until the container stops
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

  let report;
  try {
    ({ gc: report } = registerTarget(record, {
      ...(objectOverride() ? { bpfObject: objectOverride() } : {}),
      timeoutMs: config.prestartTimeoutSeconds * 1000,
      gc: config.maxTraceSeconds !== undefined ? { maxTraceMs: config.maxTraceSeconds * 1000 } : {},
      ...(config.maxTracedPerUid !== undefined ? { maxTracedPerUid: config.maxTracedPerUid } : {}),
    }));
  } catch (e) {
    if (!(e instanceof RecorderUnavailable)) throw e;
    return { record: null, warnings: [refused(e, config, state.id), ...unwrittenWarnings(owner?.uid)] };
  }
  // Told only once the container goes ahead: a refused one would have used up the warning.
  const warnings = unwrittenWarnings(owner?.uid);
  if (report?.setAside.length) {
    // Dead containers' profiles, written after the lock by processes of their own: this
    // container does not wait for them (nor for the filesystems they write to).
    const { detachWriters, startWriters } = await import('../trace/writer.js');
    detachWriters(startWriters(report.setAside, config));
  }
  return { record, warnings };
}
