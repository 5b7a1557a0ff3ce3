/**
 * What the wrapper runtime does to a container's config.json, decided from its text alone (pure):
 * whether the container asks to be traced, and the spec that traces it. A container asks with the
 * annotation (io.containers.trace-syscall, or /<its name>), as under Podman, or — for Docker
 * 20.10 to 23, whose specs carry no annotations — with SECCOMP_GEN_TRACE=<the same value> in its
 * environment, which is taken out of process.env so the container never sees it and put into
 * the annotations where the hooks look. Then seccomp-gen's prestart and poststop hooks are added
 * after whatever hooks are there. Every other byte of the file stays as it was (io/json-spans.ts).
 */
import { SeccompGenError } from '../errors.js';
import type { HookCommand } from '../hooks/definitions.js';
import { scanJsonFile } from '../io/json-file.js';
import { addMembers, appendItems, applyEdits, membersNamed, replaceValue, valueOf, type JsonNode, type TextEdit } from '../io/json-spans.js';
import { ANNOTATION, NO_NAMES, parseTraceAnnotation, traceRequestFor } from '../oci/annotation.js';

/** The environment variable a container asks with where the engine passes no annotations. */
export const TRACE_ENV = 'SECCOMP_GEN_TRACE';

export type TraceStage = 'prestart' | 'poststop';
export const TRACE_STAGES: readonly TraceStage[] = ['prestart', 'poststop'];

export interface TracePlan {
  /** The container's trace request, and where it came from; undefined: it asks for nothing. */
  request?: { value: string; from: 'annotation' | 'environment' };
  /** The new text of config.json; undefined: the file stays as it is. */
  text?: string;
  /** The spec already runs seccomp-gen's hooks (Podman, CRI-O: hooks.d): they trace it, not us. */
  alreadyHooked: boolean;
  /** Trace keys are there, for other containers only (a pod's sandbox, its other containers): why this one is not traced. */
  declined?: string;
}

type ObjectNode = JsonNode & { kind: 'object' };
type ArrayNode = JsonNode & { kind: 'array' };

class NotOci extends Error {}

function notOci(what: string): never {
  throw new NotOci(what);
}

/** The one member `key` of `object`, null as it is; two of them: two readers may disagree. */
function slotOf(object: ObjectNode, key: string, path: string): JsonNode | undefined {
  const found = membersNamed(object, key);
  if (found.length > 1) notOci(`${path}${key} is given ${found.length} times`);
  return found[0];
}

/** The one member `key` of `object`, undefined when absent or null (as Go reads it). */
function memberOf(object: ObjectNode, key: string, path: string): JsonNode | undefined {
  const node = slotOf(object, key, path);
  return node?.kind === 'null' ? undefined : node;
}

/** The edits that give `object` these members: a null one is replaced, the others added after its last. */
function setMembers(text: string, object: ObjectNode, entries: [string, unknown][], path: string): TextEdit[] {
  const edits: TextEdit[] = [];
  const added: [string, unknown][] = [];
  for (const [key, value] of entries) {
    const slot = slotOf(object, key, path);
    if (slot) edits.push(replaceValue(text, slot, value));
    else added.push([key, value]);
  }
  if (added.length) edits.push(addMembers(text, object, added));
  return edits;
}

function asObject(node: JsonNode | undefined, path: string): ObjectNode | undefined {
  if (node === undefined) return undefined;
  if (node.kind !== 'object') notOci(`${path} is not an object`);
  return node;
}

function asArray(node: JsonNode | undefined, path: string): ArrayNode | undefined {
  if (node === undefined) return undefined;
  if (node.kind !== 'array') notOci(`${path} is not an array`);
  return node;
}

function strings(text: string, node: ArrayNode | undefined, path: string): string[] {
  return (node?.items ?? []).map((item, i) => (item.kind === 'string' ? (valueOf(text, item) as string) : notOci(`${path}[${i}] is not a string`)));
}

function annotationsOf(text: string, node: ObjectNode | undefined): Record<string, string> | undefined {
  if (!node) return undefined;
  const out: Record<string, string> = {};
  for (const m of node.members) {
    if (m.value.kind !== 'string') notOci(`annotations.${m.key} is not a string`);
    out[m.key] = valueOf(text, m.value) as string;
  }
  return out;
}

/** The request in SECCOMP_GEN_TRACE entries of process.env, if any (one value, however often given). */
function environmentRequest(env: readonly string[]): string | undefined {
  const values = [...new Set(env.filter((e) => e.startsWith(`${TRACE_ENV}=`)).map((e) => e.slice(TRACE_ENV.length + 1)))];
  if (values.length > 1) throw new SeccompGenError('ANNOTATION', `${TRACE_ENV} is given ${values.length} times with different values: give it once`);
  return values[0];
}

/** The request checked as prestart will check it, so a malformed one stops the container here, saying where it came from. */
function checkRequest(value: string, from: 'annotation' | 'environment'): void {
  try {
    parseTraceAnnotation(value);
  } catch (e) {
    if (from === 'annotation' || !(e instanceof SeccompGenError)) throw e;
    throw new SeccompGenError('ANNOTATION', `${TRACE_ENV} (the environment's ${ANNOTATION}): ${e.message.replace(`annotation ${ANNOTATION}: `, '')}`);
  }
}

/**
 * The plan for config.json's `text`. `hooks` gives seccomp-gen's hook for each stage (asked only
 * when they are to be added); `isOurs` tells one of them in a spec that already has hooks (its
 * entry may be another installation's). Throws a STATE error naming `source` for a file that is
 * not an OCI config, an ANNOTATION error for a malformed request.
 */
export function planTrace(source: string, text: string, hooks: () => Record<TraceStage, HookCommand>, isOurs: (hook: unknown) => boolean): TracePlan {
  try {
    return plan(scanJsonFile(text, source, 'STATE'), text, hooks, isOurs);
  } catch (e) {
    if (e instanceof NotOci) throw new SeccompGenError('STATE', `${source}: not an OCI runtime config (${e.message})`);
    throw e;
  }
}

function plan(root: JsonNode, text: string, hooks: () => Record<TraceStage, HookCommand>, isOurs: (hook: unknown) => boolean): TracePlan {
  const top = asObject(root, 'the top level');
  if (!top) notOci('the top level is null');
  const process = asObject(memberOf(top, 'process', ''), 'process');
  const envNode = process ? asArray(memberOf(process, 'env', 'process.'), 'process.env') : undefined;
  const env = strings(text, envNode, 'process.env');
  const annotationsNode = asObject(memberOf(top, 'annotations', ''), 'annotations');
  // The names the spec gives (CRI-O's, containerd's) are all the wrapper knows of the container.
  const choice = traceRequestFor(annotationsOf(text, annotationsNode), NO_NAMES);
  const fromAnnotation = choice.kind === 'trace' ? choice.value : undefined;
  const fromEnvironment = environmentRequest(env);
  if (fromAnnotation !== undefined && fromEnvironment !== undefined && fromAnnotation !== fromEnvironment) {
    throw new SeccompGenError('ANNOTATION', `two trace requests: annotation ${ANNOTATION}="${fromAnnotation}" and ${TRACE_ENV}="${fromEnvironment}"; give one`);
  }
  const request = fromAnnotation !== undefined ? { value: fromAnnotation, from: 'annotation' as const } : fromEnvironment !== undefined ? { value: fromEnvironment, from: 'environment' as const } : undefined;
  const hooksNode = asObject(memberOf(top, 'hooks', ''), 'hooks');
  const stageNodes = TRACE_STAGES.map((stage) => asArray(hooksNode ? memberOf(hooksNode, stage, 'hooks.') : undefined, `hooks.${stage}`));
  const alreadyHooked = stageNodes.some((node) => node?.items.some((item) => isOurs(valueOf(text, item))) ?? false);
  if (!request) return { alreadyHooked, ...(choice.kind === 'declined' ? { declined: choice.why } : {}) };
  checkRequest(request.value, request.from);

  const edits: TextEdit[] = [];
  const topMembers: [string, unknown][] = [];
  if (fromEnvironment !== undefined) {
    // The container never sees it, whoever traces it.
    edits.push(replaceValue(text, envNode!, env.filter((e) => !e.startsWith(`${TRACE_ENV}=`))));
  }
  if (!alreadyHooked) {
    const ours = hooks();
    if (fromAnnotation === undefined) {
      // Where the hooks look for the request: the OCI state's annotations come from here.
      if (annotationsNode) edits.push(...setMembers(text, annotationsNode, [[ANNOTATION, request.value]], 'annotations.'));
      else topMembers.push(['annotations', { [ANNOTATION]: request.value }]);
    }
    if (!hooksNode) {
      topMembers.push(['hooks', { prestart: [ours.prestart], poststop: [ours.poststop] }]);
    } else {
      const missing: [string, unknown][] = [];
      TRACE_STAGES.forEach((stage, i) => {
        const node = stageNodes[i];
        if (node) edits.push(appendItems(text, node, [ours[stage]]));
        else missing.push([stage, [ours[stage]]]);
      });
      edits.push(...setMembers(text, hooksNode, missing, 'hooks.'));
    }
  }
  edits.push(...setMembers(text, top, topMembers, ''));
  return edits.length ? { request, text: applyEdits(text, edits), alreadyHooked } : { request, alreadyHooked };
}
