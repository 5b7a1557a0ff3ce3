/** Which syscalls a profile's rules name. Types only from schema.ts: no zod loaded here. */
import type { Rule } from './schema.js';

/** The names a rule covers, whichever of `names`/`name` it uses. */
export function ruleNames(rule: Rule): string[] {
  return rule.names ?? (rule.name !== undefined ? [rule.name] : []);
}

