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
import { containerOwner } from '../oci/owner.js';
import type { OciState } from '../oci/state.js';
import { kubernetesNamespaceOf } from '../policy/kubernetes.js';
import { outputPolicy } from '../policy/output-policy.js';
import { markDone } from '../state/done.js';
import type { TargetRecord } from '../state/targets.js';
import { unwrittenWarnings } from '../state/unwritten.js';
import { registerTarget } from '../tracing/register.js';
import { prepareTarget, targetRecord, traceRequestOf } from '../tracing/target.js';

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

/** `annotation`: the trace request's text (oci/annotation.ts traceRequestFor), found by the hook entry. */
export async function prestart(state: OciState, annotation: string, config: Config): Promise<PrestartResult> {
  const { request, pid } = traceRequestOf(state, annotation);
  // Where the profile may go and whose rights read if: and write of: (policy/output-policy.ts).
  const owner = containerOwner(pid);
  const kubernetesNamespace = kubernetesNamespaceOf(state.annotations);
  const policy = outputPolicy({ starter: owner, kubernetesNamespace, outputDirs: config.outputDirs });
  const prepared = await prepareTarget(state, request, pid, policy);
  const record = targetRecord({ ...prepared, key: targetKeyOf(pid), runtimes: config.runtimes, owner, kubernetesNamespace });

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
    const { detachWriters, startWriters } = await import('../write/writer.js');
    detachWriters(startWriters(report.setAside, config));
  }
  return { record, warnings };
}
