/**
 * A container the user names on the command line (snapshot, wait), as the traced container it
 * is: its id, a unique prefix of one, or a name the engines know (Podman's, Docker's; containerd
 * and Kubernetes name containers by id already).
 */
import { execFileSync } from 'node:child_process';
import { SeccompGenError } from '../errors.js';
import { listTargetIds } from '../state/targets.js';

/** The id an engine gives a container name, if one of them knows it (undefined: none does). */
function askEngines(ref: string): string | undefined {
  for (const engine of ['podman', 'docker']) {
    try {
      const id = execFileSync(engine, ['container', 'inspect', '--format', '{{.Id}}', ref], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
      if (id) return id;
    } catch {
      /* not installed, not running, or no such container */
    }
  }
  return undefined;
}

/** A traced container's id from its id, a unique id prefix, or its name (asked of the engines). */
export function resolveContainer(ref: string, traced = listTargetIds(), ask = askEngines): string {
  if (traced.includes(ref)) return ref;
  const byPrefix = traced.filter((id) => id.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) throw new SeccompGenError('USAGE', `"${ref}" matches ${byPrefix.length} traced containers: give more of the id`);
  const id = ask(ref);
  if (id && traced.includes(id)) return id;
  throw new SeccompGenError('TARGET', `container "${ref}" is not being traced${id ? '' : ' (no such container)'}; traced now: ${traced.length ? traced.map((t) => t.slice(0, 12)).join(', ') : 'none'}`);
}
