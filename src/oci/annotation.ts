/**
 * io.containers.trace-syscall, with the syntax of containers/oci-seccomp-bpf-hook:
 *   of:/abs/out.json            write the profile there (required)
 *   if:/abs/base.json;of:/…     start from a base profile (either order, ';' between)
 * Whoever starts the container chooses this text and the hook runs as root: anything that is not
 * exactly this is refused with a message that says what to write instead.
 */
import { isAbsolute, normalize } from 'node:path';
import { SeccompGenError } from '../errors.js';

export const ANNOTATION = 'io.containers.trace-syscall';
/** CRI-O names each container of a pod in its OCI annotations (pod annotations reach them all). */
export const K8S_CONTAINER_NAME = 'io.kubernetes.container.name';
/** containerd's CRI does so under its own key (through seccomp-gen-runtime: docs/engines.md). */
export const CRI_CONTAINER_NAME = 'io.kubernetes.cri.container-name';

/**
 * The trace request meant for this container: `io.containers.trace-syscall/<name>` where
 * <name> is its Kubernetes container name (CRI-O's key, else containerd's), else the plain key.
 * On CRI-O a pod's annotations are copied to every container of the pod (and its infra
 * container), as containerd's pod_annotations are: a per-container key traces one container of
 * the pod, to its own file.
 */
export function traceAnnotationOf(annotations: Record<string, string> | undefined): string | undefined {
  if (!annotations) return undefined;
  const name = annotations[K8S_CONTAINER_NAME] ?? annotations[CRI_CONTAINER_NAME];
  if (name !== undefined) {
    const own = annotations[`${ANNOTATION}/${name}`];
    if (own !== undefined) return own;
  }
  return annotations[ANNOTATION];
}

export interface TraceRequest {
  /** Where to write the profile. */
  output: string;
  /** A base profile to extend, if any. */
  input?: string;
}

const SYNTAX = `expected "of:/abs/out.json" or "if:/abs/base.json;of:/abs/out.json"`;

function fail(message: string): never {
  throw new SeccompGenError('ANNOTATION', `annotation ${ANNOTATION}: ${message}`);
}

export function parseTraceAnnotation(value: string): TraceRequest {
  if (value.trim() === '') fail(`is empty; ${SYNTAX}`);
  const seen = new Map<string, string>();
  for (const raw of value.split(';')) {
    const part = raw.trim();
    if (part === '') continue; // a trailing ';' is harmless
    const colon = part.indexOf(':');
    if (colon < 0) fail(`"${part}" has no key; ${SYNTAX}`);
    const key = part.slice(0, colon).trim();
    const path = part.slice(colon + 1).trim();
    if (key !== 'of' && key !== 'if') fail(`unknown key "${key}:"; only "if:" and "of:" are understood`);
    if (seen.has(key)) fail(`"${key}:" is given twice`);
    if (path === '') fail(`"${key}:" has no path`);
    if (path.includes('\0')) fail(`"${key}:" path contains a NUL byte`);
    if (!isAbsolute(path)) fail(`"${key}:${path}" is not an absolute path (the hook runs outside the container: write /abs/path)`);
    seen.set(key, normalize(path));
  }
  const output = seen.get('of');
  if (output === undefined) fail(`no "of:" output file; ${SYNTAX}`);
  // if: and of: may name the same file: a profile extended in place, run after run.
  const input = seen.get('if');
  return input === undefined ? { output } : { output, input };
}
