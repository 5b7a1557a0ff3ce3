/**
 * The container's own name, for a trace key that names it (oci/annotation.ts): neither the OCI
 * state nor the spec holds it under Podman (`podman kube play` sets no io.kubernetes.container.name),
 * but the container's conmon does. Podman and CRI-O start one conmon per container as
 * `conmon … -c <id> … -n <name> …`; conmon starts the OCI runtime, which runs the prestart hook:
 * conmon is an ancestor of the hook (the runtime's parent, or one more up when the runtime is a
 * wrapper). Its `-c` must be this container's id, or the name is not taken. Only prestart has it:
 * Podman runs poststop itself.
 *
 * The hostname is the tie-breaker of podman kube play's `<pod>-<name>`: a pod's containers share
 * the pod's UTS namespace, whose hostname is the pod's name unless the pod sets one; Podman puts it
 * in the spec as HOSTNAME.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { isObject } from '../io/shape.js';

/** How far up conmon may be: the runtime, a wrapper or two (the tests' crun), then conmon. */
const MAX_DEPTH = 5;

type Read = (path: string) => string;
const readProc: Read = (path) => readFileSync(path, 'utf8');

/** The value of option `short` (or `--long`, `--long=value`) in an argv; undefined when absent. */
function option(argv: readonly string[], short: string, long: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === short || a === long) return argv[i + 1];
    if (a.startsWith(`${long}=`)) return a.slice(long.length + 1);
  }
  return undefined;
}

/** The parent of `pid`, from /proc/PID/stat (its comm, in parentheses, may hold spaces and ')'). */
function parentOf(pid: number, read: Read): number | undefined {
  const stat = read(`/proc/${pid}/stat`);
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined;
}

/** The name conmon was given for container `id`, from the nearest conmon above `from`. */
export function conmonName(id: string, from: number = process.ppid, read: Read = readProc): string | undefined {
  let pid: number | undefined = from;
  try {
    for (let depth = 0; pid !== undefined && pid > 1 && depth < MAX_DEPTH; depth++) {
      const argv = read(`/proc/${pid}/cmdline`).split('\0');
      if (basename(argv[0] ?? '') === 'conmon') return option(argv, '-c', '--cid') === id ? option(argv, '-n', '--name') || undefined : undefined;
      pid = parentOf(pid, read);
    }
  } catch {
    /* a process gone meanwhile, or no /proc: no name */
  }
  return undefined;
}

/** The HOSTNAME the spec gives the container's process (Podman sets it), undefined when none. */
export function specHostname(bundle: string): string | undefined {
  try {
    const path = join(bundle, 'config.json');
    const config = parseJson(readRegularFile(path, 64 * 1024 * 1024), path);
    const env = isObject(config) && isObject(config.process) && Array.isArray(config.process.env) ? config.process.env : [];
    const entry = env.find((e): e is string => typeof e === 'string' && e.startsWith('HOSTNAME='));
    return entry?.slice('HOSTNAME='.length) || undefined;
  } catch {
    return undefined;
  }
}
