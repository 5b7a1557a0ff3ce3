/**
 * Where the root hook may put a profile, and which existing file it may replace: the decision
 * table, pure (the effects are in output-file.ts). Whoever chooses the annotation is not
 * necessarily root — on a Kubernetes node it is any pod author — so by default:
 *
 * | who started the container            | writes as   | where                                              |
 * | ------------------------------------ | ----------- | -------------------------------------------------- |
 * | a user (audit login uid set)         | that user   | where that user may write (the kernel decides)     |
 * | Kubernetes (CRI-O's annotations)     | root        | only <outputDir>/<pod namespace>/, outputDirs      |
 * |                                      |             | defaulting to /var/lib/seccomp-gen                 |
 * | nobody known (root: CI, a service)   | root        | anywhere but the system's own directories          |
 * | the hook is not host root (rootless) | itself      | where it may write (the kernel decides; it is the  |
 * |                                      |             | user, so outputDirs, a limit on root, is not used) |
 *
 * and in every case: an existing file is replaced only if it belongs to the writer and is empty
 * or already a seccomp profile; never under /proc, /sys, /dev; with outputDirs in the config,
 * only under those (an administrator's explicit list, which may also open a system directory).
 */
import { isUnder } from '../io/write-file.js';

/** Kubernetes profiles go here when the administrator lists no outputDirs (made by `install`). */
export const DEFAULT_KUBERNETES_DIR = '/var/lib/seccomp-gen';

/** The system's own directories: root writes none of them unless outputDirs names it. */
export const SYSTEM_DIRS: readonly { dir: string; why: string }[] = [
  { dir: '/etc', why: 'the system configuration (passwd, shadow, ld.so.preload…)' },
  { dir: '/usr', why: 'installed programs and libraries' },
  { dir: '/bin', why: 'programs' },
  { dir: '/sbin', why: 'programs' },
  { dir: '/lib', why: 'libraries' },
  { dir: '/lib32', why: 'libraries' },
  { dir: '/lib64', why: 'libraries' },
  { dir: '/libx32', why: 'libraries' },
  { dir: '/boot', why: 'the kernel and boot loader' },
  { dir: '/root', why: "root's home" },
  { dir: '/opt', why: 'installed software' },
  { dir: '/var/lib', why: "services' state (except ours, /var/lib/seccomp-gen)" },
  { dir: '/var/log', why: 'logs' },
  { dir: '/var/spool', why: 'queues (cron, mail)' },
  { dir: '/var/cache', why: "services' caches" },
  { dir: '/run', why: 'runtime state of the system and of seccomp-gen itself' },
];

/** Who started the container, when known: its audit login uid (oci/owner.ts). */
export interface Starter {
  uid: number;
  gid?: number;
}

export interface OutputPolicy {
  mode: 'starter' | 'kubernetes' | 'root' | 'self';
  /** Whose rights reads and writes use; undefined: root's. */
  writer?: Starter;
  /** Directories the output must be under (unresolved); undefined: no such list. */
  roots?: readonly string[];
  /** Whether `roots` came from the administrator (outputDirs), who may open a system directory. */
  rootsFromConfig: boolean;
  /** Kubernetes: the pod's namespace, whose own directory under a root holds its profiles. */
  namespace?: string;
}

export function outputPolicy(input: { starter?: Starter | undefined; kubernetesNamespace?: string | undefined; outputDirs?: readonly string[] | undefined; self?: boolean }): OutputPolicy {
  // A rootless hook is the user (root only inside their own user namespace): no one to protect from it.
  if (input.self) return { mode: 'self', rootsFromConfig: false };
  const fromConfig = input.outputDirs !== undefined;
  if (input.kubernetesNamespace !== undefined) {
    return {
      mode: 'kubernetes',
      ...(input.starter ? { writer: input.starter } : {}),
      roots: input.outputDirs ?? [DEFAULT_KUBERNETES_DIR],
      rootsFromConfig: fromConfig,
      namespace: input.kubernetesNamespace,
    };
  }
  return {
    mode: input.starter ? 'starter' : 'root',
    ...(input.starter ? { writer: input.starter } : {}),
    ...(input.outputDirs ? { roots: input.outputDirs } : {}),
    rootsFromConfig: fromConfig,
  };
}

/** The uid files are written with: the starter's, ours (self), or root's. */
function writerUidOf(policy: OutputPolicy): number {
  return policy.mode === 'self' ? (process.geteuid?.() ?? 0) : (policy.writer?.uid ?? 0);
}

function writerName(policy: OutputPolicy): string {
  return policy.writer ? `uid ${policy.writer.uid} (who started the container)` : 'root';
}

/**
 * Why `realDir` (the real directory the file goes in) is refused, or undefined if it is fine.
 * `realRoots` are policy.roots resolved (a root that does not exist is left out: it allows
 * nothing). Every reason names the rule and the fix: it is the one line podman shows.
 */
export function placeRefusal(policy: OutputPolicy, path: string, realDir: string, realRoots: readonly string[]): string | undefined {
  if (policy.roots) {
    const places = policy.namespace !== undefined ? realRoots.map((r) => `${r === '/' ? '' : r}/${policy.namespace}`) : realRoots;
    if (places.some((p) => isUnder(realDir, p))) return undefined; // an explicit list, or ours
    if (policy.mode === 'kubernetes') {
      const where = policy.roots.map((r) => `${r}/${policy.namespace}/`).join(' or ');
      return `${path}: a Kubernetes pod writes its profile only under its own namespace's directory, ${where}${policy.rootsFromConfig ? ' (outputDirs in the seccomp-gen config)' : ` (the default; an administrator may set outputDirs in the seccomp-gen config)`}`;
    }
    return `${path}: not under an allowed output directory (outputDirs in the seccomp-gen config: ${policy.roots.join(', ') || 'none'})`;
  }
  if (policy.writer && policy.writer.uid !== 0) return undefined; // the kernel decides, as that user
  if (policy.mode === 'self') return undefined; // the kernel decides: we are that user
  const system = SYSTEM_DIRS.find((s) => isUnder(realDir, s.dir) && !isUnder(realDir, DEFAULT_KUBERNETES_DIR));
  if (system) {
    return `${path}: refusing to write, as root, into ${system.dir} (${system.why}); write elsewhere (e.g. /tmp, /srv, a home), or list the directory in outputDirs in the seccomp-gen config`;
  }
  return undefined;
}

/** What is known of a file already at the output path. */
export interface ExistingFile {
  uid: number;
  size: number;
  /** Whether its text parses as a seccomp profile (looksLikeProfile); unread when empty. */
  isProfile: boolean;
}

/** Why an existing file may not be replaced, or undefined if it may. */
export function existingRefusal(policy: OutputPolicy, path: string, existing: ExistingFile): string | undefined {
  const writerUid = writerUidOf(policy);
  if (existing.uid !== writerUid) {
    if (policy.mode === 'self') return `${path}: exists and belongs to someone else: seccomp-gen replaces only your own file; choose another path`;
    return `${path}: exists and belongs to uid ${existing.uid}, not to ${writerUid === 0 ? 'root' : writerName(policy)}: seccomp-gen replaces only the writer's own file; choose another path`;
  }
  if (existing.size > 0 && !existing.isProfile) {
    return `${path}: exists and is not a seccomp profile: seccomp-gen replaces only an empty file (e.g. from mktemp) or a profile; remove it or choose another path`;
  }
  return undefined;
}

/** The output's directory as the writer stands in it; what is in it is looked at only when a rule needs it. */
export interface OutputPlace {
  realDir: string;
  /** policy.roots by their real paths (a root that does not exist allows nothing). */
  realRoots: readonly string[];
  /** The file already at the path, if any; throws for what is never written through (a symlink). */
  existing: () => { uid: number; size: number } | undefined;
  /** That file's text; '' when it is no file we would have written. */
  text: () => string;
}

/**
 * Why writing `path` is refused, or undefined: the place first (nothing is examined where we may
 * not write), then a file already there, whose text is read only when it is the writer's own and
 * not empty, to tell a profile from a file that is not one.
 */
export function outputRefusal(policy: OutputPolicy, path: string, place: OutputPlace): string | undefined {
  const refused = placeRefusal(policy, path, place.realDir, place.realRoots);
  if (refused !== undefined) return refused;
  const existing = place.existing();
  if (!existing) return undefined;
  const isProfile = existing.size > 0 && existing.uid === writerUidOf(policy) && looksLikeProfile(place.text());
  return existingRefusal(policy, path, { ...existing, isProfile });
}

/**
 * Whether a file's text is a seccomp profile in one of the formats we read: a JSON profile
 * (defaultAction), an OCI config.json (linux.seccomp), or a Security Profiles Operator
 * SeccompProfile (YAML or JSON). Deliberately shallow: it only decides whether replacing the file
 * loses something that is not a profile, and must not pull a YAML parser into the hook.
 */
export function looksLikeProfile(text: string): boolean {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return /^kind:\s*["']?SeccompProfile["']?\s*$/m.test(text) && /^\s*defaultAction:/m.test(text);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const o = data as Record<string, unknown>;
  if (typeof o.defaultAction === 'string') return true;
  const seccomp = (o.linux as Record<string, unknown> | undefined)?.seccomp as Record<string, unknown> | undefined;
  if (typeof seccomp?.defaultAction === 'string') return true;
  return o.kind === 'SeccompProfile' && typeof (o.spec as Record<string, unknown> | undefined)?.defaultAction === 'string';
}
