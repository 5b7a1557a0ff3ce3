/**
 * io.containers.trace-syscall, with the syntax of containers/oci-seccomp-bpf-hook:
 *   of:/abs/out.json            write the profile there (required)
 *   if:/abs/base.json;of:/…     start from a base profile (either order, ';' between)
 * Whoever starts the container chooses this text and the hook runs as root: anything that is not
 * exactly this is refused with a message that says what to write instead.
 */
import { isAbsolute, normalize } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { CRI_CONTAINER_TYPE } from '../policy/kubernetes.js';

export const ANNOTATION = 'io.containers.trace-syscall';
/** CRI-O names each container of a pod in its OCI annotations (the kubelet's label). */
export const K8S_CONTAINER_NAME = 'io.kubernetes.container.name';
/**
 * containerd's CRI does so under its own key, after the pod annotations it lets through (through
 * seccomp-gen-runtime: docs/engines.md); its sandbox has none. CRI-O's is read first.
 */
export const CRI_CONTAINER_NAME = 'io.kubernetes.cri.container-name';

/**
 * What a stage can learn of the container's own name, asked only when a key names a container
 * and CRI-O's name is not there (oci/container-name.ts): prestart can, poststop cannot (Podman
 * runs poststop itself, with no conmon above it).
 */
export interface NameSource {
  /** The engine's name of the container (Podman's), undefined when it cannot be found. */
  name(): string | undefined;
  /** The container's hostname: a kube play pod's name, unless the pod sets another. */
  hostname(): string | undefined;
}

export const NO_NAMES: NameSource = { name: () => undefined, hostname: () => undefined };

/** Which trace request is meant for this container: none asked, this one, or why none of the keys is. */
export type TraceChoice = { kind: 'none' } | { kind: 'trace'; value: string } | { kind: 'declined'; why: string };

const PREFIX = `${ANNOTATION}/`;

/**
 * The key `io.containers.trace-syscall/<name>` that names this Podman container: its own name, or
 * `<pod>-<name>` as `podman kube play` names a pod's containers (the pod's name is not in the
 * spec; its hostname is, and is the pod's name unless the pod chose one). Several keys that end
 * its name: the one after the hostname, else the longest.
 */
function podmanKey(name: string, keys: readonly string[], hostname: () => string | undefined): string | undefined {
  if (keys.includes(name)) return name;
  const ending = keys.filter((k) => name.endsWith(`-${k}`));
  if (ending.length < 2) return ending[0];
  const host = hostname();
  return ending.find((k) => host !== undefined && name === `${host}-${k}`) ?? ending.sort((a, b) => b.length - a.length)[0];
}

/**
 * The trace request meant for this container: `io.containers.trace-syscall/<name>` where <name>
 * is its name, else the plain key. On CRI-O, a pod's annotations are copied to every container of
 * the pod (and its infra container) and the kubelet names each (io.kubernetes.container.name);
 * containerd's CRI hands its runtime handler's pod_annotations to each container it names
 * (io.kubernetes.cri.container-name) and to the pod's sandbox; `podman kube play` copies them to
 * each container it names `<pod>-<name>`, and a key may name a container started with `podman
 * run --name` too. A container with keys for others only is
 * declined, with the reason, which the hook logs.
 */
export function traceRequestFor(annotations: Record<string, string> | undefined, names: NameSource): TraceChoice {
  const all = annotations ?? {};
  const plain = all[ANNOTATION];
  const keys = Object.keys(all).filter((k) => k.startsWith(PREFIX)).map((k) => k.slice(PREFIX.length));
  if (!keys.length) return plain === undefined ? { kind: 'none' } : { kind: 'trace', value: plain };
  const k8sKey = [K8S_CONTAINER_NAME, CRI_CONTAINER_NAME].find((k) => all[k] !== undefined);
  const k8s = k8sKey === undefined ? undefined : all[k8sKey];
  const name = k8s ?? names.name();
  const own = name === undefined ? undefined : k8s !== undefined ? (keys.includes(k8s) ? k8s : undefined) : podmanKey(name, keys, () => names.hostname());
  if (own !== undefined) return { kind: 'trace', value: all[`${PREFIX}${own}`]! };
  if (plain !== undefined) return { kind: 'trace', value: plain };
  const named = keys.map((k) => JSON.stringify(k)).join(', ');
  const self =
    k8s !== undefined
      ? `this container is ${JSON.stringify(k8s)} (${k8sKey})`
      : all[CRI_CONTAINER_TYPE] === 'sandbox'
        ? `this is the pod's sandbox (${CRI_CONTAINER_TYPE})`
        : name !== undefined
        ? `this container is ${JSON.stringify(name)} (podman kube play names a pod's container <pod>-<name>)`
        : "this container's name could not be found (no conmon process of it above the hook)";
  return { kind: 'declined', why: `not traced: the trace keys name the containers ${named}, and ${self}` };
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
