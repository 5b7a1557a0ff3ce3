/**
 * A names-only profile (`convert --names-only`, config `argumentFilters: false`): every name the
 * profile allows under some argument condition is allowed whatever its arguments. Conditional
 * answers other than ALLOW stay (the errno a workload got while traced, e.g. podman's EINVAL for
 * an audit netlink socket): they are answers, not filters. Rule order is kept; a name allowed by
 * an earlier rule leaves the later ALLOW rules that repeat it. Pure.
 */
import type { CanonicalProfile, CanonicalRule } from './model.js';

const filterKey = (r: CanonicalRule) => JSON.stringify([r.includes ?? null, r.excludes ?? null]);

export function namesOnly(profile: CanonicalProfile): CanonicalProfile {
  const allowedBy = new Map<string, Set<string>>(); // includes/excludes → names already allowed
  const syscalls: CanonicalRule[] = [];
  for (const rule of profile.syscalls) {
    if (rule.action !== 'SCMP_ACT_ALLOW') {
      syscalls.push(rule);
      continue;
    }
    const { args: _args, ...plain } = rule;
    const seen = allowedBy.get(filterKey(rule)) ?? new Set<string>();
    const names = plain.names.filter((n) => !seen.has(n));
    for (const n of names) seen.add(n);
    allowedBy.set(filterKey(rule), seen);
    if (names.length) syscalls.push({ ...plain, names });
  }
  return { ...profile, syscalls };
}
