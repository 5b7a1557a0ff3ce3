/** Which syscalls a profile's rules name. Types only from schema.ts: no zod loaded here. */
import type { Profile, Rule } from './schema.js';

/** The names a rule covers, whichever of `names`/`name` it uses. */
export function ruleNames(rule: Rule): string[] {
  return rule.names ?? (rule.name !== undefined ? [rule.name] : []);
}

/** Every syscall name that some rule of the profile mentions, whatever its action or filters. */
export function namedSyscalls(profile: Profile): Set<string> {
  const names = new Set<string>();
  for (const rule of profile.syscalls ?? []) for (const n of ruleNames(rule)) names.add(n);
  return names;
}
