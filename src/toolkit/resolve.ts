/**
 * Resolving moby's run-time conditions for one target, as moby does when it starts a container
 * (its seccomp_linux.go): a rule is skipped when `excludes` names the target's arch, any of its
 * capabilities, or a kernel at or below its own; and unless `includes` names the arch, all of
 * its caps are held, and the kernel is at least `minKernel`. `archMap` becomes the entry of the
 * target's arch and its sub-architectures. Used for the formats that have no such fields (OCI,
 * the CRD) and to compare with Docker's default as a container gets it.
 */
import { release } from 'node:os';
import { SeccompGenError } from '../errors.js';
import type { CanonicalProfile, CanonicalRule, Filter } from './model.js';

export interface Target {
  /** Go arch name, as moby's includes/excludes spell it: amd64, arm64, 386, s390x… */
  arch: string;
  /** Bounding capabilities of the container, CAP_ names. */
  caps: readonly string[];
  /** Kernel release, e.g. "6.1.0-18-amd64". */
  kernel: string;
}

/** Docker's default capability set (moby oci/caps/defaults.go): what a plain `docker run` holds. */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CAP_AUDIT_WRITE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/** Go arch name → the seccomp arch an archMap entry is keyed by. */
const GO_TO_SCMP: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64',
  '386': 'SCMP_ARCH_X86',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  ppc64: 'SCMP_ARCH_PPC64',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64le: 'SCMP_ARCH_MIPSEL64',
  loong64: 'SCMP_ARCH_LOONGARCH64',
};

/** Node's process.arch → Go's. */
const NODE_TO_GO: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips64el: 'mips64le' };

/** A Go arch name from what a user typed: amd64, or SCMP_ARCH_X86_64, or x86_64. */
export function goArch(text: string): string {
  if (GO_TO_SCMP[text]) return text;
  const upper = text.toUpperCase();
  const scmp = upper.startsWith('SCMP_ARCH_') ? upper : `SCMP_ARCH_${upper}`;
  const found = Object.entries(GO_TO_SCMP).find(([, s]) => s === scmp);
  if (found) return found[0];
  throw new SeccompGenError('USAGE', `unknown arch "${text}" (one of ${Object.keys(GO_TO_SCMP).join(', ')})`);
}

/** This machine as a target: its arch, Docker's default capabilities, its kernel. */
export function hostTarget(caps: readonly string[] = DOCKER_DEFAULT_CAPS): Target {
  return { arch: NODE_TO_GO[process.arch] ?? process.arch, caps, kernel: release() };
}

/** -1, 0, 1 comparing "major.minor" kernel versions (moby compares those two only). */
function compareKernel(a: string, b: string): number {
  const parse = (v: string) => (/^(\d+)(?:\.(\d+))?/.exec(v) ?? []).slice(1, 3).map((x) => Number(x ?? 0));
  const [am = 0, an = 0] = parse(a);
  const [bm = 0, bn = 0] = parse(b);
  return Math.sign(am - bm || an - bn);
}

function applies(rule: CanonicalRule, t: Target): boolean {
  const ex: Filter = rule.excludes ?? {};
  const inc: Filter = rule.includes ?? {};
  if (ex.arches?.includes(t.arch)) return false;
  if (ex.caps?.some((c) => t.caps.includes(c))) return false;
  if (ex.minKernel !== undefined && compareKernel(t.kernel, ex.minKernel) >= 0) return false;
  if (inc.arches?.length && !inc.arches.includes(t.arch)) return false;
  if (inc.caps?.some((c) => !t.caps.includes(c))) return false;
  if (inc.minKernel !== undefined && compareKernel(t.kernel, inc.minKernel) < 0) return false;
  return true;
}

export interface Resolved {
  profile: CanonicalProfile;
  /** How many rules the target's conditions left out. */
  skipped: number;
  warnings: string[];
}

export function resolveForTarget(profile: CanonicalProfile, target: Target): Resolved {
  const warnings: string[] = [];
  let architectures = profile.architectures;
  if (profile.archMap?.length) {
    const scmp = GO_TO_SCMP[target.arch];
    const entry = profile.archMap.find((e) => e.architecture === scmp);
    if (entry) architectures = [entry.architecture, ...entry.subArchitectures];
    else warnings.push(`archMap has no entry for ${target.arch}: the profile lists no architectures, so it covers the native one only`);
  }
  const { archMap: _archMap, architectures: _architectures, syscalls, ...rest } = profile;
  // Spread in this order so the keys keep the order of the runtimes' own profiles.
  const { defaultAction, defaultErrnoRet, ...tail } = rest;
  const out: CanonicalProfile = {
    defaultAction,
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    ...(architectures?.length ? { architectures } : {}),
    ...tail,
    syscalls: [],
  };
  let skipped = 0;
  for (const rule of syscalls) {
    if (!applies(rule, target)) {
      skipped++;
      continue;
    }
    const { includes: _i, excludes: _e, ...plain } = rule;
    out.syscalls.push(plain);
  }
  return { profile: out, skipped, warnings };
}
