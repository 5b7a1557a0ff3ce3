/**
 * One canonical profile written in each format:
 * - docker: the canonical form itself (moby reads archMap, includes/excludes, numeric errnos);
 * - podman: the same plus containers/common's errno names (`defaultErrno`, `errno`) beside the
 *   numbers, as its own seccomp.json has them;
 * - oci: the object that goes under `linux.seccomp` in a bundle's config.json. The runtime-spec
 *   has no archMap, includes/excludes or comments: they are resolved for a target (resolve.ts);
 * - crd: a Kubernetes Security Profiles Operator `SeccompProfile`, resolved likewise. Its spec has
 *   no defaultErrnoRet and a closed list of arches and flags: what it cannot say is dropped with
 *   a warning, never silently.
 * - log: complain mode: the same profile answering SCMP_ACT_LOG by default, so what it does not
 *   allow still runs and the kernel logs it (seccomp-gen audit reads those records back). Its
 *   explicit rules stay: an errno a workload is meant to get (clone3 → ENOSYS) keeps its answer.
 * - label, containerfile-label: the value of Podman's io.containers.seccomp.profile image label
 *   (podman run --seccomp-policy=image), or the Containerfile LABEL line that sets it: label.ts.
 * Docker before 23.0 reads a docker file's rules and their errnoRet but drops defaultErrnoRet
 * (moby#42604): what the profile does not name is refused with EPERM there. A recorded workload
 * never asks for those, so it replays the same; a path it did not take while traced may see
 * EPERM where podman says ENOSYS, which is said when converting.
 * Pure: profile in, text and warnings out.
 */
import { stringify } from 'yaml';
import { errnoName, errnoText } from '../profile/errno.js';
import type { CanonicalProfile, CanonicalRule } from './model.js';
import { resolveForTarget, type Target } from './resolve.js';
import { toLabel } from './label.js';
import { formatJson } from '../io/write-file.js';

export const OUTPUT_FORMATS = ['podman', 'docker', 'oci', 'crd', 'log', 'label', 'containerfile-label'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ConvertOptions {
  to: OutputFormat;
  /** What to resolve includes/excludes and archMap for (oci, crd). */
  target: Target;
  /** metadata.name of a CRD. */
  name?: string;
  /** Write the CRD as JSON rather than YAML. */
  json?: boolean;
}

export interface Converted {
  text: string;
  warnings: string[];
}

export const CRD_API_VERSION = 'security-profiles-operator.x-k8s.io/v1beta1';

/** The CRD's enums (SPO api/seccompprofile/v1beta1). */
const CRD_ARCHES = new Set([
  'SCMP_ARCH_NATIVE', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64',
]);
const CRD_FLAGS = new Set(['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);

type Json = Record<string, unknown>;

function podmanRule(rule: CanonicalRule): Json {
  const name = rule.errnoRet !== undefined ? errnoName(rule.errnoRet) : undefined;
  return name ? { ...rule, errno: name } : { ...rule };
}

function toPodman(p: CanonicalProfile): Json {
  const { defaultAction, defaultErrnoRet, syscalls, ...rest } = p;
  const name = defaultErrnoRet !== undefined ? errnoName(defaultErrnoRet) : undefined;
  return {
    defaultAction,
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    ...(name ? { defaultErrno: name } : {}),
    ...rest,
    syscalls: syscalls.map(podmanRule),
  };
}

/** What Docker before 23.0 would answer differently, if anything. */
function olderDockerWarning(p: CanonicalProfile): string | undefined {
  if (p.defaultErrnoRet === undefined || p.defaultErrnoRet === 1) return undefined;
  return `Docker before 23.0 ignores defaultErrnoRet: there a syscall the profile does not name is refused with EPERM (1), not ${errnoText(p.defaultErrnoRet)}`;
}

function toLog(p: CanonicalProfile, warnings: string[]): Json {
  const { defaultAction, defaultErrnoRet, ...rest } = p;
  void defaultErrnoRet; // LOG takes none
  if (defaultAction === 'SCMP_ACT_ALLOW' || defaultAction === 'SCMP_ACT_LOG') {
    warnings.push(`the default action is already ${defaultAction}: nothing was refused to log`);
  }
  return { defaultAction: 'SCMP_ACT_LOG', ...rest };
}

/** A rule as the runtime-spec has it: names, action, errnoRet, args. */
function plainRule(rule: CanonicalRule, errnoAsString = false): Json {
  const out: Json = { names: rule.names, action: rule.action };
  if (rule.errnoRet !== undefined) out['errnoRet'] = errnoAsString ? String(rule.errnoRet) : rule.errnoRet;
  if (rule.args?.length) out['args'] = rule.args;
  return out;
}

function toOci(p: CanonicalProfile): Json {
  const out: Json = { defaultAction: p.defaultAction };
  if (p.defaultErrnoRet !== undefined) out['defaultErrnoRet'] = p.defaultErrnoRet;
  if (p.architectures?.length) out['architectures'] = p.architectures;
  if (p.flags?.length) out['flags'] = p.flags;
  if (p.listenerPath) out['listenerPath'] = p.listenerPath;
  if (p.listenerMetadata) out['listenerMetadata'] = p.listenerMetadata;
  out['syscalls'] = p.syscalls.map((r) => plainRule(r));
  return out;
}

/** A Kubernetes object name (DNS-1123 subdomain) from a file or profile name. */
export function crdName(from: string): string {
  const base = from.replace(/^.*\//, '').replace(/\.(json|ya?ml)$/i, '');
  const name = base.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '').slice(0, 253);
  return name || 'seccomp-profile';
}

function toCrd(p: CanonicalProfile, name: string, warnings: string[]): Json {
  const spec: Json = { defaultAction: p.defaultAction };
  if (p.defaultErrnoRet !== undefined && p.defaultErrnoRet !== 1) {
    warnings.push(`the CRD has no defaultErrnoRet: its default answers EPERM (1), not ${errnoText(p.defaultErrnoRet)}`);
  }
  const arches = p.architectures ?? [];
  const droppedArches = arches.filter((a) => !CRD_ARCHES.has(a));
  if (droppedArches.length) warnings.push(`the CRD cannot name ${droppedArches.join(', ')}: left out`);
  const keptArches = arches.filter((a) => CRD_ARCHES.has(a));
  if (keptArches.length) spec['architectures'] = keptArches;
  const flags = p.flags ?? [];
  const droppedFlags = flags.filter((f) => !CRD_FLAGS.has(f));
  if (droppedFlags.length) warnings.push(`the CRD cannot carry the flags ${droppedFlags.join(', ')}: left out`);
  if (flags.length - droppedFlags.length) spec['flags'] = flags.filter((f) => CRD_FLAGS.has(f));
  if (p.listenerPath) spec['listenerPath'] = p.listenerPath;
  if (p.listenerMetadata) spec['listenerMetadata'] = p.listenerMetadata;
  spec['syscalls'] = p.syscalls.map((r) => plainRule(r, true));
  return { apiVersion: CRD_API_VERSION, kind: 'SeccompProfile', metadata: { name }, spec };
}

export function convertProfile(profile: CanonicalProfile, options: ConvertOptions): Converted {
  const warnings: string[] = [];
  switch (options.to) {
    case 'docker': {
      const older = olderDockerWarning(profile);
      return { text: formatJson(profile), warnings: older ? [older] : [] };
    }
    case 'podman':
      return { text: formatJson(toPodman(profile)), warnings };
    case 'log':
      return { text: formatJson(toLog(profile, warnings)), warnings };
    case 'label':
    case 'containerfile-label':
      return { text: toLabel(profile, toPodman(profile), { containerfile: options.to === 'containerfile-label' }), warnings };
    case 'oci':
    case 'crd': {
      const resolved = resolveForTarget(profile, options.target);
      warnings.push(...resolved.warnings);
      if (resolved.skipped) {
        warnings.push(`resolved includes/excludes for ${options.target.arch}, kernel ${options.target.kernel} and ${options.target.caps.length} capabilities: ${resolved.skipped} rule(s) do not apply and are left out`);
      }
      if (options.to === 'oci') return { text: formatJson(toOci(resolved.profile)), warnings };
      const doc = toCrd(resolved.profile, crdName(options.name ?? 'seccomp-profile'), warnings);
      return { text: options.json ? formatJson(doc) : stringify(doc, { lineWidth: 0 }), warnings };
    }
  }
}
