/**
 * A readable summary of a profile: what it allows, what else it says, and how it compares with
 * Docker's default profile as a container gets it on this machine (the default is resolved for
 * the host's arch and kernel and Docker's default capabilities; so is the profile, when it has
 * includes/excludes of its own). `summarize` is pure; `renderSummary` adds the words and colour.
 */
import chalk from 'chalk';
import { describeCondition, describeVerdict } from './describe.js';
import { readDockerDefault } from './docker-default.js';
import { behaviours, defaultVerdict } from './effective.js';
import type { CanonicalProfile, Format } from './model.js';
import { normalizeDocument } from './normalize.js';
import { resolveForTarget, type Target } from './resolve.js';
import { missingForRuntimes } from './runtime-check.js';
import type { RuntimeName } from '../profile/runtime-sets.js';

export interface Summary {
  defaultAction: string;
  /** True when the default allows: then "allowed" is all but what the rules block. */
  defaultAllows: boolean;
  architectures: string[];
  flags: string[];
  /** Names allowed with no condition. */
  allowed: string[];
  /** Names allowed only under an argument filter (not otherwise). */
  allowedIf: string[];
  /** Per name with argument conditions, its conditional answers in words (symbolic values). */
  argumentFilters: { name: string; text: string }[];
  /** Other explicit answers: verdict text → names. */
  other: Map<string, string[]>;
  /** True when the profile had includes/excludes or archMap, resolved for the target. */
  resolved: boolean;
  /** Per OCI runtime, what of its calls before the exec the profile does not allow ([]: it starts there). */
  runtimes: Map<RuntimeName, string[]>;
  docker: {
    /** Allowed here, not allowed at all by Docker's default. */
    blocks: string[];
    /** Allowed here with no condition, by Docker's only with argument filters. */
    filters: string[];
    /** How many names Docker's default allows with no condition that this profile does not. */
    drops: number;
    allowed: number;
  };
}

function hasRuntimeConditions(p: CanonicalProfile): boolean {
  return !!p.archMap?.length || p.syscalls.some((r) => r.includes || r.excludes);
}

function allowView(p: CanonicalProfile) {
  const allowed = new Set<string>();
  const allowedIf = new Set<string>();
  for (const [name, b] of behaviours(p)) {
    if (b.otherwise.verdict.action === 'SCMP_ACT_ALLOW') allowed.add(name);
    else if ([...b.conditional.values()].some((c) => c.answer.verdict.action === 'SCMP_ACT_ALLOW')) allowedIf.add(name);
  }
  return { allowed, allowedIf };
}

let dockerDefault: CanonicalProfile | undefined;
function dockerDefaultProfile(): CanonicalProfile {
  dockerDefault ??= normalizeDocument(readDockerDefault(), "Docker's default profile").profile;
  return dockerDefault;
}

export function summarize(input: CanonicalProfile, target: Target): Summary {
  const resolved = hasRuntimeConditions(input);
  const profile = resolved ? resolveForTarget(input, target).profile : input;
  const docker = allowView(resolveForTarget(dockerDefaultProfile(), target).profile);
  const own = allowView(profile);
  const other = new Map<string, string[]>();
  for (const [name, b] of behaviours(profile)) {
    if (!b.explicit || b.otherwise.verdict.action === 'SCMP_ACT_ALLOW') continue;
    const key = describeVerdict(b.otherwise.verdict);
    other.set(key, [...(other.get(key) ?? []), name]);
  }
  const allowed = [...own.allowed].sort();
  const argumentFilters: Summary['argumentFilters'] = [];
  for (const [name, b] of [...behaviours(profile)].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const parts = [...b.conditional.values()].filter((c) => c.condition.args?.length).map((c) => {
      const cond = describeCondition(c.condition, name);
      return c.answer.verdict.action === 'SCMP_ACT_ALLOW' ? cond : `${describeVerdict(c.answer.verdict)} [${cond}]`;
    });
    if (parts.length) argumentFilters.push({ name, text: parts.join('; ') });
  }
  const sorted = (xs: Iterable<string>) => [...xs].sort();
  return {
    defaultAction: describeVerdict(defaultVerdict(profile)),
    defaultAllows: profile.defaultAction === 'SCMP_ACT_ALLOW',
    architectures: profile.architectures ?? [],
    flags: profile.flags ?? [],
    allowed,
    allowedIf: sorted(own.allowedIf),
    argumentFilters,
    other: new Map([...other].sort(([a], [b]) => (a < b ? -1 : 1))),
    resolved,
    runtimes: missingForRuntimes(profile),
    docker: {
      blocks: allowed.filter((n) => !docker.allowed.has(n) && !docker.allowedIf.has(n)),
      filters: allowed.filter((n) => docker.allowedIf.has(n)),
      drops: [...docker.allowed].filter((n) => !own.allowed.has(n) && !own.allowedIf.has(n)).length,
      allowed: docker.allowed.size,
    },
  };
}

function list(names: readonly string[], max = 12): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, … (${names.length - max} more)`;
}

/** "crun, runc", or "crun; not runc (needs fstatfs, …)": which runtimes can start the container. */
function describeStarts(runtimes: Map<RuntimeName, string[]>): string {
  const starts = [...runtimes].filter(([, m]) => !m.length).map(([r]) => r);
  const not = [...runtimes].filter(([, m]) => m.length).map(([r, m]) => `${r} (needs ${list(m, 6)})`);
  if (!not.length) return chalk.green(starts.join(', '));
  if (!starts.length) return chalk.red(`no known runtime: not ${not.join(', not ')}`);
  return `${chalk.green(starts.join(', '))}; ${chalk.yellow(`not ${not.join(', not ')}`)}`;
}

export function renderSummary(s: Summary, source: string, format: Format, target: Target): string {
  const lines: string[] = [];
  const label = (t: string) => chalk.dim(t.padEnd(15));
  lines.push(`${chalk.bold(source)}  ${chalk.dim(`(${format} format)`)}`);
  lines.push(`  ${label('default')}${s.defaultAllows ? chalk.yellow(s.defaultAction) : s.defaultAction} for every syscall no rule names`);
  lines.push(`  ${label('architectures')}${s.architectures.length ? s.architectures.join(', ') : 'the native one only'}`);
  if (s.flags.length) lines.push(`  ${label('flags')}${s.flags.join(', ')}`);
  if (s.defaultAllows) {
    lines.push(`  ${label('allows')}${chalk.yellow('every syscall not blocked below')} (an allow-by-default profile)`);
  } else {
    const also = s.allowedIf.length ? `, and ${s.allowedIf.length} only with argument filters (${list(s.allowedIf, 6)})` : '';
    lines.push(`  ${label('allows')}${chalk.green(`${s.allowed.length} syscalls`)}${also}`);
  }
  s.argumentFilters.forEach(({ name, text }, i) => lines.push(`  ${label(i === 0 ? 'arguments' : '')}${name}: ${text}`));
  for (const [verdict, names] of s.other) lines.push(`  ${label(verdict)}${names.length}: ${list(names, 8)}`);
  lines.push(`  ${label('starts under')}${describeStarts(s.runtimes)}`);
  const how = `${target.arch}, kernel ${target.kernel.replace(/-.*/, '')}, Docker's default capabilities`;
  if (s.resolved) lines.push(chalk.dim(`  (its includes/excludes and archMap resolved for ${how})`));
  lines.push(`  vs Docker's default profile (${how}):`);
  if (s.defaultAllows) {
    lines.push(`    ${chalk.yellow('allows more than Docker')}: Docker blocks what this profile lets through by default`);
  } else {
    lines.push(
      s.docker.blocks.length
        ? `    ${chalk.red(`Docker blocks ${s.docker.blocks.length} of them`)}: ${list(s.docker.blocks)}`
        : `    ${chalk.green('Docker allows all of them')}`,
    );
    if (s.docker.filters.length) lines.push(`    Docker allows ${s.docker.filters.length} of them only with argument filters: ${list(s.docker.filters)}`);
    lines.push(`    drops ${chalk.bold(String(s.docker.drops))} of the ${s.docker.allowed} syscalls Docker allows`);
  }
  return lines.join('\n') + '\n';
}
