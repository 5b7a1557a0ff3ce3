/**
 * The output policy applied to real files: the checks at prestart (refuse before the container
 * runs), the write at poststop (the same checks again, on the same directory handle as the
 * write), and the reading of an if: base. Everything a starter chose is done with the starter's
 * own identity (io/identity.ts), and in the directory we stand in (io/write-file.ts), so a
 * directory swapped for a symlink meanwhile can lead nowhere the writer could not write anyway.
 */
import { mkdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { asIdentity, identityOf, type Identity } from '../io/identity.js';
import { MAX_PROFILE_BYTES, readRegularFile } from '../io/json-file.js';
import { existingHere, inDirectoryOf, isUnder, probeWritableHere, readHere, writeHere } from '../io/write-file.js';
import { DEFAULT_KUBERNETES_DIR, outputRefusal, type OutputPlace, type OutputPolicy } from './output-policy.js';

function refuse(reason: string | undefined): void {
  if (reason !== undefined) throw new SeccompGenError('PATH', reason);
}

/** policy.roots by their real paths; a root that does not exist allows nothing. */
function realRootsOf(policy: OutputPolicy): string[] {
  return (policy.roots ?? []).flatMap((r) => {
    try {
      return [realpathSync(r)];
    } catch {
      return [];
    }
  });
}

function identityFor(policy: OutputPolicy): Identity | undefined {
  return policy.writer && policy.writer.uid !== 0 ? identityOf(policy.writer.uid, policy.writer.gid) : undefined;
}

/** The directory we stand in, for the policy's rules: the file in it is examined only if a rule asks. */
function placeIn(path: string, realDir: string, name: string, realRoots: readonly string[]): OutputPlace {
  return { realDir, realRoots, existing: () => existingHere(path, name), text: () => readHere(path, name, MAX_PROFILE_BYTES) };
}

/**
 * Kubernetes: a pod's namespace directory under ours is made on first use (0755, root), so a
 * pod can write `/var/lib/seccomp-gen/<its namespace>/x.json` without an administrator's step.
 * Only directly under an allowed root, and only for the pod's own namespace.
 */
function ensureNamespaceDir(policy: OutputPolicy, path: string): void {
  if (policy.mode !== 'kubernetes' || policy.namespace === undefined) return;
  for (const root of policy.roots ?? []) {
    if (dirname(path) !== join(root, policy.namespace)) continue;
    if (root === DEFAULT_KUBERNETES_DIR) mkdirSync(root, { recursive: true, mode: 0o755 });
    try {
      mkdirSync(join(root, policy.namespace), { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new SeccompGenError('PATH', `${path}: cannot create ${join(root, policy.namespace)} (${(e as NodeJS.ErrnoException).code})`);
    }
  }
}

/** prestart: refuse now what the write would refuse later, and prove the writer may create files there. */
export function checkOutput(policy: OutputPolicy, path: string): void {
  ensureNamespaceDir(policy, path);
  const realRoots = realRootsOf(policy);
  const writer = identityFor(policy);
  asIdentity(writer, () =>
    inDirectoryOf(path, (realDir, name) => {
      refuse(outputRefusal(policy, path, placeIn(path, realDir, name, realRoots)));
      probeWritableHere(path, name);
    }),
  );
}

/** poststop (and gc): the same checks, then the write, on one directory handle, as the writer. */
export function writeOutput(policy: OutputPolicy, path: string, content: string): void {
  const realRoots = realRootsOf(policy);
  const writer = identityFor(policy);
  asIdentity(writer, () =>
    inDirectoryOf(path, (realDir, name) => {
      refuse(outputRefusal(policy, path, placeIn(path, realDir, name, realRoots)));
      writeHere(path, name, content);
    }),
  );
}

/**
 * The if: base's text, read with the starter's rights: a profile they may not read never leaks
 * into an output they can. A Kubernetes pod reads only from its own namespace's directory.
 * Errors never echo the file's content.
 */
export function readInput(policy: OutputPolicy, path: string): string {
  return asIdentity(identityFor(policy), () => {
    if (policy.mode === 'kubernetes') {
      let real: string;
      try {
        real = realpathSync(path);
      } catch (e) {
        throw new SeccompGenError('PROFILE', `${path}: cannot open (${(e as NodeJS.ErrnoException).code})`);
      }
      const places = realRootsOf(policy).map((r) => join(r, policy.namespace ?? ''));
      if (!places.some((p) => isUnder(real, p))) {
        throw new SeccompGenError('PATH', `${path}: a Kubernetes pod reads its base profile only from its own namespace's directory, ${(policy.roots ?? []).map((r) => `${r}/${policy.namespace}/`).join(' or ')}`);
      }
    }
    return readRegularFile(path);
  });
}
