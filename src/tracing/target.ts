/**
 * A target comes to life: what every prestart checks before the kernel is asked (root's, in
 * hooks/prestart.ts, registering itself; the rootless one, in hooks/rootless.ts, asking the
 * broker), and the one builder of its record (those two and `seccomp-gen record`).
 *
 *   traceRequestOf  the annotation's of:/if:, their lengths, the process the runtime started
 *   prepareTarget   of: checked, the if: base read (with the policy's rights) and bounded, the
 *                   bundle's filter read for the replay answers, the runtime's name
 *   targetRecord    the TargetRecord (state/targets.ts), stamped with its version and start
 */
import { SeccompGenError } from '../errors.js';
import type { RecordingMode } from '../kernel/abi.js';
import type { TargetKey } from '../kernel/target-codec.js';
import { parseTraceAnnotation, type TraceRequest } from '../oci/annotation.js';
import { readReplayAnswers } from '../oci/bundle.js';
import type { ReplayAnswers } from '../oci/replay.js';
import { runtimeName } from '../oci/runtime.js';
import type { OciState } from '../oci/state.js';
import { checkOutput, readInput } from '../policy/output-file.js';
import type { OutputPolicy } from '../policy/output-policy.js';
import type { Profile } from '../profile/schema.js';
import { checkPathValue, storedBase } from '../state/limits.js';
import type { TargetRecord } from '../state/targets.js';

/** The trace annotation's request and the process it is for; throws on a bad one (the container stops). */
export function traceRequestOf(state: OciState, annotation: string): { request: TraceRequest; pid: number } {
  const request = parseTraceAnnotation(annotation);
  checkPathValue(request.output, 'of:');
  if (request.input !== undefined) checkPathValue(request.input, 'if:');
  if (state.pid === undefined) throw new SeccompGenError('STATE', 'the OCI state has no pid: install seccomp-gen as a prestart hook');
  return { request, pid: state.pid };
}

/**
 * The if: base profile, read with the rights the policy gives (the starter's, or the rootless
 * user's own) and checked. zod comes in only here, behind import(): ~100 ms of start-up that a
 * container without a base does not pay.
 */
async function readBase(policy: OutputPolicy, path: string): Promise<Profile> {
  try {
    const text = readInput(policy, path);
    const { parseProfileText } = await import('../profile/read.js');
    return parseProfileText(text, path);
  } catch (e) {
    throw new SeccompGenError(e instanceof SeccompGenError && e.code === 'PATH' ? 'PATH' : 'PROFILE', `if: ${(e as Error).message}`);
  }
}

/** A container's target as far as it is known before the kernel is asked: all but its key. */
export interface PreparedTarget {
  id: string;
  pid: number;
  mode: RecordingMode;
  runtime: string | undefined;
  output: string;
  input: string | undefined;
  base: Profile | undefined;
  replay: ReplayAnswers;
}

export async function prepareTarget(state: OciState, request: TraceRequest, pid: number, policy: OutputPolicy): Promise<PreparedTarget> {
  checkOutput(policy, request.output);
  let base: Profile | undefined;
  if (request.input !== undefined) {
    base = await readBase(policy, request.input);
    storedBase(base); // bounded: it is kept in the shared state until the container stops
  }
  const replay = readReplayAnswers(state.bundle);
  return {
    id: state.id,
    pid,
    // Under a filter, record only what runs under it: the runtime's own setup calls drop out.
    // Without one there is no such mark: record all the namespace runs, which includes the
    // runtime's setup after this hook but also its calls after it would install a filter,
    // which a replay under the profile needs.
    mode: replay.filtered ? 'filtered' : 'all',
    runtime: runtimeName(),
    output: request.output,
    input: request.input,
    base,
    replay,
  };
}

/** The fields of a TargetRecord, an optional one given as undefined when it has no value. */
export interface TargetFields {
  id: string;
  key: TargetKey;
  mode: RecordingMode;
  pid: number;
  runtime?: string | undefined;
  runtimes?: string[] | undefined;
  output: string;
  input?: string | undefined;
  base?: Profile | undefined;
  replay: ReplayAnswers;
  command?: string[] | undefined;
  owner?: { uid: number; gid?: number } | null | undefined;
  kubernetesNamespace?: string | undefined;
}

/** The one place a TargetRecord is made: absent fields stay absent (the stored JSON has no nulls). */
export function targetRecord(f: TargetFields): TargetRecord {
  return {
    version: 1,
    id: f.id,
    key: f.key,
    mode: f.mode,
    pid: f.pid,
    ...(f.runtime !== undefined ? { runtime: f.runtime } : {}),
    ...(f.runtimes !== undefined ? { runtimes: f.runtimes } : {}),
    output: f.output,
    ...(f.input !== undefined ? { input: f.input, ...(f.base !== undefined ? { base: f.base } : {}) } : {}),
    replay: f.replay,
    startedAt: new Date().toISOString(),
    ...(f.command !== undefined ? { command: f.command } : {}),
    ...(f.owner ? { owner: f.owner } : {}),
    ...(f.kubernetesNamespace !== undefined ? { kubernetesNamespace: f.kubernetesNamespace } : {}),
  };
}
