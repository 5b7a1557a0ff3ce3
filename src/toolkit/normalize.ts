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
import { extname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { isObject, type Obj } from '../io/shape.js';
import { EPERM } from '../oci/replay.js';
import { takesErrno } from './actions.js';
import { errnoNumber } from '../profile/errno.js';
import { ACTIONS, OPERATORS, ProfileSchema, type Action, type Operator } from '../profile/schema.js';
import { closest } from './suggest.js';

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

function where(path: readonly PropertyKey[], prefix: string): string {
  const s = path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  return s ? prefix + s : prefix.replace(/\.$/, '');
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const p of path) v = isObject(v) || Array.isArray(v) ? (v as Obj)[p as string] : undefined;
  return v;
}

/**
 * One zod issue as one line that points at the place. Unknown actions and operators name the
 * value and the nearest valid one, instead of zod's list of every option.
 */
function describeProfileIssue(issue: z.core.$ZodIssue, data: unknown, prefix: string): string {
  const at = where(issue.path, prefix);
  const value = valueAt(data, issue.path);
  const last = issue.path[issue.path.length - 1];
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    const options: readonly string[] = last === 'op' ? OPERATORS : ACTIONS;
    const kind = last === 'op' ? 'operator' : 'action';
    const prefixed = (last === 'op' ? 'SCMP_CMP_' : 'SCMP_ACT_') + value.toUpperCase();
    const near = closest(value, options) ?? closest(prefixed, options);
    return `${at}: unknown ${kind} "${value}"${near ? ` (did you mean "${near}"?)` : ''}`;
  }
  if (issue.path.length === 0 && !isObject(data)) return `${at ? `${at}: ` : ''}expected a JSON object, got ${Array.isArray(data) ? 'an array' : typeof data}`;
  return at ? `${at}: ${issue.message}` : issue.message;
}

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

/** The one YAML document of a file; errors say line and column, never the text. */
function yamlDocument(text: string, source: string): unknown {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new SeccompGenError('PROFILE', `${source}: not valid YAML (${pos ? `line ${pos.line}, column ${pos.col}` : 'syntax error'})`);
    }
  }
  if (list.length === 0) throw new SeccompGenError('PROFILE', `${source}: not valid YAML (empty file)`);
  if (list.length > 1) throw new SeccompGenError('PROFILE', `${source}: ${list.length} YAML documents: give one profile per file`);
  return list[0]!.toJS({ maxAliasCount: 100 });
}

/**
 * Parse a file's text: JSON unless the name says YAML (.yaml/.yml) or, with another extension,
 * the text does not start like JSON. A .json file that is not JSON is reported as JSON, with its
 * line and column, not re-read as YAML (which would accept nearly any text as a string).
 */
export function parseProfileText(text: string, source: string): unknown {
  const ext = extname(source).toLowerCase();
  const yaml = ext === '.yaml' || ext === '.yml' || (ext !== '.json' && !/^\s*[{[]/.test(text) && text.trim() !== '');
  return yaml ? yamlDocument(text, source) : parseJson(text, source);
}

/** Read and canonicalize the profile at `path`, whatever its format. */
export function loadProfile(path: string): LoadedProfile {
  return normalizeDocument(parseProfileText(readRegularFile(path), path), path);
}
