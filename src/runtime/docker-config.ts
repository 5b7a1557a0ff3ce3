/**
 * seccomp-gen-runtime in Docker's /etc/docker/daemon.json, added and taken out by `seccomp-gen
 * install --docker` / `uninstall --docker` (pure: text in, text out). The file is the
 * administrator's: everything else in it keeps its bytes (io/json-spans.ts), an entry of the
 * same name that is not ours is never replaced, and uninstall removes only what install added.
 *
 *   "runtimes": { "seccomp-gen": { "path": "/…/bin/seccomp-gen-runtime", "runtimeArgs": ["--real-runtime=crun"] } },
 *   "default-runtime": "seccomp-gen"        (only with --docker-default)
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeccompGenError } from '../errors.js';
import { addMembers, applyEdits, membersNamed, removeMember, replaceValue, valueOf, type JsonNode, type TextEdit } from '../io/json-spans.js';
import { scanJsonFile } from '../io/json-file.js';

export const DEFAULT_DOCKER_CONFIG = '/etc/docker/daemon.json';
export const DEFAULT_RUNTIME_NAME = 'seccomp-gen';
/** The wrapper's file name: an entry whose path ends so is seccomp-gen's, wherever it was installed. */
const WRAPPER_NAME = 'seccomp-gen-runtime';
/** This installation's wrapper (the package's bin). */
export const WRAPPER = fileURLToPath(new URL(`../../bin/${WRAPPER_NAME}`, import.meta.url));
/** Names dockerd keeps for itself (daemon/config: StockRuntimeName, the containerd shims). */
const RESERVED = ['runc', 'io.containerd.runc.v2', 'io.containerd.runtime.v1.linux'];

export interface DockerRuntime {
  name: string;
  /** The wrapper's absolute path. */
  path: string;
  /** The real runtime (runc, crun, a path): given to the wrapper as runtimeArgs; undefined: runc. */
  realRuntime?: string;
  /** Also make it dockerd's default-runtime. */
  makeDefault?: boolean;
}

export interface DockerConfigChange {
  /** The new text; undefined: remove the file (nothing left in it). */
  text: string | undefined;
  changed: boolean;
  /** What was done, one line each. */
  notes: string[];
}

type ObjectNode = JsonNode & { kind: 'object' };

function topOf(source: string, text: string): ObjectNode {
  const top = scanJsonFile(text, source, 'CONFIG');
  if (top.kind !== 'object') throw new SeccompGenError('CONFIG', `${source}: not a dockerd configuration (the top level is not an object)`);
  return top;
}

function only(source: string, object: ObjectNode, key: string, path: string): { node: JsonNode; index: number } | undefined {
  const found = membersNamed(object, key);
  if (found.length > 1) throw new SeccompGenError('CONFIG', `${source}: ${path}${key} is given ${found.length} times (dockerd would read the last): fix the file first`);
  const index = object.members.findIndex((m) => m.key === key);
  return index < 0 ? undefined : { node: object.members[index]!.value, index };
}

/** Whether a runtimes entry is seccomp-gen's wrapper (installed from any copy of the package). */
function isOurs(text: string, node: JsonNode): boolean {
  if (node.kind !== 'object') return false;
  const path = valueOf(text, node) as { path?: unknown };
  return typeof path.path === 'string' && basename(path.path) === WRAPPER_NAME;
}

function checkRuntimeName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name) || RESERVED.includes(name)) {
    throw new SeccompGenError('USAGE', `--runtime-name ${name}: expected a name of letters, digits, '.', '_', '-', other than ${RESERVED.join(', ')}`);
  }
}

/** daemon.json (`text`; undefined: no file yet) with the wrapper registered as `runtime.name`. */
export function addDockerRuntime(source: string, text: string | undefined, runtime: DockerRuntime): DockerConfigChange {
  checkRuntimeName(runtime.name);
  const entry = { path: runtime.path, ...(runtime.realRuntime !== undefined ? { runtimeArgs: [`--real-runtime=${runtime.realRuntime}`] } : {}) };
  const notes: string[] = [];
  if (text === undefined || text.trim() === '') {
    const doc = { runtimes: { [runtime.name]: entry }, ...(runtime.makeDefault ? { 'default-runtime': runtime.name } : {}) };
    notes.push(`added runtime ${runtime.name} (${runtime.path})`, ...(runtime.makeDefault ? [`set default-runtime to ${runtime.name}`] : []));
    return { text: `${JSON.stringify(doc, null, 2)}\n`, changed: true, notes };
  }
  const top = topOf(source, text);
  const edits: TextEdit[] = [];
  const added: [string, unknown][] = [];
  const runtimes = only(source, top, 'runtimes', '');
  if (!runtimes) {
    added.push(['runtimes', { [runtime.name]: entry }]);
    notes.push(`added runtime ${runtime.name} (${runtime.path})`);
  } else {
    if (runtimes.node.kind !== 'object') throw new SeccompGenError('CONFIG', `${source}: "runtimes" is not an object: fix the file first`);
    const existing = only(source, runtimes.node, runtime.name, 'runtimes.');
    if (!existing) {
      edits.push(addMembers(text, runtimes.node, [[runtime.name, entry]]));
      notes.push(`added runtime ${runtime.name} (${runtime.path})`);
    } else if (!isOurs(text, existing.node)) {
      throw new SeccompGenError('CONFIG', `${source}: runtimes.${runtime.name} is another runtime, not seccomp-gen's: left as it is; choose another --runtime-name`);
    } else if (JSON.stringify(valueOf(text, existing.node)) !== JSON.stringify(entry)) {
      edits.push(replaceValue(text, existing.node, entry));
      notes.push(`updated runtime ${runtime.name} (${runtime.path})`);
    }
  }
  if (runtime.makeDefault) {
    const current = only(source, top, 'default-runtime', '');
    const value = current ? valueOf(text, current.node) : undefined;
    if (current === undefined) {
      added.push(['default-runtime', runtime.name]);
      notes.push(`set default-runtime to ${runtime.name}`);
    } else if (value !== runtime.name && value !== 'runc') {
      throw new SeccompGenError('CONFIG', `${source}: default-runtime is ${JSON.stringify(value)} already: left as it is (remove it first to make ${runtime.name} the default)`);
    } else if (value !== runtime.name) {
      edits.push(replaceValue(text, current.node, runtime.name));
      notes.push(`set default-runtime to ${runtime.name} (was runc)`);
    }
  }
  if (added.length) edits.push(addMembers(text, top, added));
  if (!edits.length) return { text, changed: false, notes: [`runtime ${runtime.name} is already there (${runtime.path})`] };
  return { text: applyEdits(text, edits), changed: true, notes };
}

/** daemon.json without the entry install added (and default-runtime, if it named it). */
export function removeDockerRuntime(source: string, text: string | undefined, name: string): DockerConfigChange {
  checkRuntimeName(name);
  if (text === undefined) return { text, changed: false, notes: [] };
  let current = text;
  const notes: string[] = [];
  // One member at a time, scanning again: each removal moves the places after it.
  const step = (find: (top: ObjectNode) => TextEdit | undefined): void => {
    const edit = find(topOf(source, current));
    if (edit) current = applyEdits(current, [edit]);
  };
  step((top) => {
    const runtimes = only(source, top, 'runtimes', '');
    if (!runtimes || runtimes.node.kind !== 'object') return undefined;
    const entry = only(source, runtimes.node, name, 'runtimes.');
    if (!entry) return undefined;
    if (!isOurs(current, entry.node)) {
      notes.push(`runtimes.${name} is another runtime, not seccomp-gen's: left as it is`);
      return undefined;
    }
    notes.push(`removed runtime ${name}`);
    // The last runtime gone: "runtimes" goes too, as install found the file without it.
    return runtimes.node.members.length === 1 ? removeMember(top, runtimes.index) : removeMember(runtimes.node, entry.index);
  });
  step((top) => {
    const def = only(source, top, 'default-runtime', '');
    if (!def || valueOf(current, def.node) !== name) return undefined;
    notes.push(`removed default-runtime ${name}`);
    return removeMember(top, def.index);
  });
  if (current === text) return { text, changed: false, notes };
  const empty = topOf(source, current).members.length === 0;
  return { text: empty ? undefined : current, changed: true, notes };
}
