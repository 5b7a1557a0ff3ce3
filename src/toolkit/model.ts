/**
 * The toolkit's canonical profile (toolkit/normalize.ts says what "canonical" means), and how a
 * loaded file carries it. The hooks keep a file as written (profile/schema.ts says why there are two).
 */
import type { Action, Operator } from '../profile/schema.js';

export type Format = 'docker' | 'podman' | 'oci' | 'crd';

/** moby's includes/excludes. arches are Go arch names (amd64, arm64, s390x…), as moby compares them. */
export interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface CanonicalArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: Operator;
}

export interface CanonicalRule {
  names: string[];
  action: Action;
  errnoRet?: number;
  args?: CanonicalArg[];
  includes?: Filter;
  excludes?: Filter;
  comment?: string;
}

export interface ArchMapEntry {
  architecture: string;
  subArchitectures: string[];
}

export interface CanonicalProfile {
  defaultAction: Action;
  defaultErrnoRet?: number;
  /** At most one of architectures/archMap; neither means "the native arch only". */
  architectures?: string[];
  archMap?: ArchMapEntry[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls: CanonicalRule[];
}

export interface LoadedProfile {
  profile: CanonicalProfile;
  /** The format it was read as (the portable subset reads as "oci"). */
  format: Format;
  /** The seccomp object as parsed (the CRD's spec, the config's linux.seccomp), for validate. */
  raw: Record<string, unknown>;
  /** Where `raw` is in the file, as a path prefix for messages: "", "spec.", "linux.seccomp.". */
  prefix: string;
  /** CRD metadata.name, when there is one (convert keeps it). */
  name?: string;
  /** Things kept or dropped that the user should know of; not errors. */
  warnings: string[];
}

/** Args in a fixed order (a rule's comparisons all must hold: their order means nothing). */
export function canonicalArgs(args: readonly { index: number; value: number; valueTwo?: number | undefined; op: Operator }[]): CanonicalArg[] {
  return args
    .map((a) => {
      const arg: CanonicalArg = { index: a.index, value: a.value, op: a.op };
      if (a.valueTwo) arg.valueTwo = a.valueTwo;
      return arg;
    })
    .sort((a, b) => a.index - b.index || (a.op < b.op ? -1 : a.op > b.op ? 1 : 0) || a.value - b.value || (a.valueTwo ?? 0) - (b.valueTwo ?? 0))
    .filter((a, i, all) => i === 0 || JSON.stringify(a) !== JSON.stringify(all[i - 1]));
}
