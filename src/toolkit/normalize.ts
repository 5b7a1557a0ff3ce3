/**
 * Every profile format this tool reads, turned into one canonical internal profile (the CLI's
 * model; the hooks keep a file as written, profile/schema.ts says why there are two):
 *
 * - Docker/moby: `archMap`, `includes`/`excludes` (`caps`, `arches`, `minKernel`), `name` or `names`;
 * - Podman/containers-common: string `errno`/`defaultErrno` next to (or instead of) the numbers;
 * - OCI runtime-spec: a bundle's `config.json` (its `linux.seccomp`) or that object alone;
 * - Kubernetes Security Profiles Operator `SeccompProfile` CRD, YAML or JSON (its `spec`; its
 *   `errnoRet` is a string there).
 *
 * The canonical form: numbers for every errno (an ERRNO rule without one answers EPERM, as the
 * runtimes do: said explicitly), `names` only (deduplicated), args sorted with `valueTwo: 0`
 * dropped (it is what an absent valueTwo means), empty `args`/`includes`/`excludes`/`comment`
 * dropped, errnoRet dropped where the action takes none. Rule order is kept as written: convert
 * must not reorder a file people keep in git; merge sorts its own output.
 *
 * includes/excludes are KEPT, normalized but unresolved: they depend on the capabilities, arch
 * and kernel of the container being started, which only the runtime knows when it starts it
 * (moby and containers/common resolve them then). Keeping them makes docker↔podman conversion
 * lossless and lets merge treat them as part of a rule's condition, like argument filters.
 * Formats that have no such fields (OCI, CRD) get them resolved for an explicit target by
 * resolve.ts, as is `archMap` (Docker keeps only the native arch's entry).
 */
import { SeccompGenError } from '../errors.js';
import { isObject, type Obj } from '../io/shape.js';
import { EPERM } from '../oci/replay.js';
import { takesErrno } from './actions.js';
import { errnoNumber } from '../profile/errno.js';
import { ProfileSchema } from '../profile/schema.js';
import { describeProfileIssue } from './issues.js';
import { canonicalArgs, type CanonicalProfile, type CanonicalRule, type Filter, type Format, type LoadedProfile } from './model.js';

/** A number from containers/common's string errno or the CRD's string errnoRet. */
function errnoFrom(value: unknown, at: string, source: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const n = /^\d+$/.test(value) ? Number(value) : errnoNumber(value);
    if (n !== undefined && n <= 4095) return n;
  }
  throw new SeccompGenError('PROFILE', `${source}: ${at}: unknown errno ${JSON.stringify(value)}`);
}

/** An errno given both as a number and a name must agree; either alone is enough. */
function settleErrno(numeric: number | undefined, named: string | undefined, at: string, source: string): number | undefined {
  const fromName = errnoFrom(named, at, source);
  if (numeric !== undefined && fromName !== undefined && numeric !== fromName) {
    throw new SeccompGenError('PROFILE', `${source}: ${at}: errno "${named}" (${fromName}) and errnoRet ${numeric} disagree`);
  }
  return numeric ?? fromName;
}

function filter(v: unknown): Filter | undefined {
  if (!isObject(v)) return undefined;
  const out: Filter = {};
  const list = (x: unknown) => (Array.isArray(x) ? [...new Set(x.filter((s): s is string => typeof s === 'string'))].sort() : []);
  const caps = list(v['caps']);
  const arches = list(v['arches']);
  if (caps.length) out.caps = caps;
  if (arches.length) out.arches = arches;
  if (typeof v['minKernel'] === 'string' && v['minKernel'] !== '') out.minKernel = v['minKernel'];
  return Object.keys(out).length ? out : undefined;
}

function detectFormat(data: Obj): Format {
  const rules = Array.isArray(data['syscalls']) ? data['syscalls'].filter(isObject) : [];
  if (data['defaultErrno'] !== undefined || rules.some((r) => typeof r['errno'] === 'string' && r['errno'] !== '')) return 'podman';
  if (Array.isArray(data['archMap']) || rules.some((r) => r['name'] !== undefined || filter(r['includes']) || filter(r['excludes']))) return 'docker';
  return 'oci';
}

/** The seccomp object inside whatever was read, and where it sits in the file. */
function locate(data: unknown, source: string): { seccomp: unknown; prefix: string; format?: Format; name?: string } {
  if (!isObject(data)) return { seccomp: data, prefix: '' };
  if (data['kind'] === 'SeccompProfile') {
    const metadata = isObject(data['metadata']) ? data['metadata'] : {};
    const name = typeof metadata['name'] === 'string' ? metadata['name'] : undefined;
    return { seccomp: data['spec'] ?? {}, prefix: 'spec.', format: 'crd', ...(name ? { name } : {}) };
  }
  if (typeof data['ociVersion'] === 'string' || (isObject(data['linux']) && data['defaultAction'] === undefined)) {
    const linux = isObject(data['linux']) ? data['linux'] : {};
    if (linux['seccomp'] === undefined) throw new SeccompGenError('PROFILE', `${source}: an OCI config with no linux.seccomp: it runs unconfined, there is no profile to read`);
    return { seccomp: linux['seccomp'], prefix: 'linux.seccomp.' };
  }
  return { seccomp: data, prefix: '' };
}

/**
 * The CRD writes errnoRet as a string; containers/common may write errno names only. Turn those
 * into numbers before the schema sees them, so the schema keeps one meaning for errnoRet.
 */
function numericErrnos(seccomp: unknown, prefix: string, source: string): unknown {
  if (!isObject(seccomp)) return seccomp;
  const out: Obj = { ...seccomp };
  if (typeof out['defaultErrnoRet'] === 'string') out['defaultErrnoRet'] = errnoFrom(out['defaultErrnoRet'], `${prefix}defaultErrnoRet`, source);
  if (Array.isArray(out['syscalls'])) {
    out['syscalls'] = out['syscalls'].map((r, i) =>
      isObject(r) && typeof r['errnoRet'] === 'string' ? { ...r, errnoRet: errnoFrom(r['errnoRet'], `${prefix}syscalls[${i}].errnoRet`, source) } : r,
    );
  }
  return out;
}

/**
 * Every schema problem of a parsed document, one line each (validate lists them all; loading
 * stops at the first). Errors that are not about the shape (an OCI config with no seccomp, an
 * unknown errno name) are thrown.
 */
export function profileIssues(data: unknown, source: string): string[] {
  const located = locate(data, source);
  const seccomp = numericErrnos(located.seccomp, located.prefix, source);
  const parsed = ProfileSchema.safeParse(seccomp);
  return parsed.success ? [] : parsed.error.issues.map((issue) => describeProfileIssue(issue, seccomp, located.prefix));
}

/** Check and canonicalize an already parsed document (JSON or YAML); `source` names it in errors. */
export function normalizeDocument(data: unknown, source: string): LoadedProfile {
  const located = locate(data, source);
  const seccomp = numericErrnos(located.seccomp, located.prefix, source);
  const parsed = ProfileSchema.safeParse(seccomp);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const what = issue ? describeProfileIssue(issue, seccomp, located.prefix) : 'invalid';
    throw new SeccompGenError('PROFILE', `${source}: not a seccomp profile: ${what}`);
  }
  const p = parsed.data;
  const prefix = located.prefix;
  const warnings: string[] = [];
  const raw = seccomp as Obj;

  const profile: CanonicalProfile = { defaultAction: p.defaultAction, syscalls: [] };
  const defaultErrno = settleErrno(p.defaultErrnoRet, p.defaultErrno, `${prefix}defaultErrnoRet`, source);
  if (p.defaultAction === 'SCMP_ACT_ERRNO') profile.defaultErrnoRet = defaultErrno ?? EPERM;
  else if (takesErrno(p.defaultAction) && defaultErrno !== undefined) profile.defaultErrnoRet = defaultErrno;
  if (p.archMap?.length) {
    profile.archMap = p.archMap.map((m) => ({ architecture: m.architecture, subArchitectures: [...new Set(m.subArchitectures ?? [])] }));
  } else if (p.architectures?.length) {
    profile.architectures = [...new Set(p.architectures)];
  }
  if (p.flags?.length) profile.flags = [...new Set(p.flags)];
  if (p.listenerPath) profile.listenerPath = p.listenerPath;
  if (p.listenerMetadata) profile.listenerMetadata = p.listenerMetadata;

  (p.syscalls ?? []).forEach((r, i) => {
    const at = `${prefix}syscalls[${i}]`;
    // Both fields when a file has both (moby and containers/common refuse such a rule): the
    // canonical form loses neither. profile/names.ts's ruleNames reads one rule as the hooks do.
    const names = [...new Set([...(r.names ?? []), ...(r.name !== undefined ? [r.name] : [])])];
    const rule: CanonicalRule = { names, action: r.action };
    const errno = settleErrno(r.errnoRet, r.errno, `${at}.errnoRet`, source);
    if (r.action === 'SCMP_ACT_ERRNO') rule.errnoRet = errno ?? EPERM;
    else if (takesErrno(r.action) && errno !== undefined) rule.errnoRet = errno;
    const args = canonicalArgs(r.args ?? []);
    if (args.length) rule.args = args;
    const includes = filter(r.includes);
    const excludes = filter(r.excludes);
    if (includes) rule.includes = includes;
    if (excludes) rule.excludes = excludes;
    if (r.comment) rule.comment = r.comment;
    profile.syscalls.push(rule);
  });

  if (located.format === 'crd' && isObject(seccomp) && typeof seccomp['baseProfileName'] === 'string') {
    warnings.push(`${source}: spec.baseProfileName "${seccomp['baseProfileName']}" is a reference inside the cluster: it is not read, only this profile's own rules are`);
  }
  return {
    profile,
    format: located.format ?? detectFormat(raw),
    raw,
    prefix,
    ...(located.name ? { name: located.name } : {}),
    warnings,
  };
}
