/**
 * if:base.json — the generated profile grafted onto a base the user keeps. The base stays as it
 * is (its default action, rules, comments and fields we do not know); the generated rules are
 * added only for syscalls the base does not name at all, so whatever the base decided about a
 * syscall — blocked, allowed with argument filters — still holds ("blocked stays blocked").
 */
import type { ScmpArch } from '../syscalls/arches.js';
import { namedSyscalls, ruleNames } from './names.js';
import type { Profile, Rule } from './schema.js';

function withoutNames(rule: Rule, drop: Set<string>): Rule | null {
  const names = ruleNames(rule).filter((n) => !drop.has(n));
  if (names.length === 0) return null;
  const { name: _name, ...rest } = rule;
  return { ...rest, names };
}

/** Make sure the base's arch list covers the recorded arches, in whichever form it uses. */
function coverArches(base: Profile, arches: ScmpArch[]): Pick<Profile, 'architectures' | 'archMap'> {
  if (base.archMap?.length) {
    const covered = new Set(base.archMap.flatMap((m) => [m.architecture, ...(m.subArchitectures ?? [])]));
    const missing = arches.filter((a) => !covered.has(a));
    return { archMap: [...base.archMap, ...missing.map((a) => ({ architecture: a, subArchitectures: [] }))] };
  }
  const list = [...(base.architectures ?? [])];
  for (const a of arches) if (!list.includes(a)) list.push(a);
  return { architectures: list };
}

export function extendProfile(base: Profile, generated: Profile): Profile {
  const named = namedSyscalls(base);
  const added = (generated.syscalls ?? []).map((r) => withoutNames(r, named)).filter((r): r is Rule => r !== null);
  const result: Profile = { ...base, syscalls: [...(base.syscalls ?? []), ...added] };
  const arches = (generated.architectures ?? []) as ScmpArch[];
  const { architectures, archMap } = coverArches(base, arches);
  if (archMap) result.archMap = archMap;
  else result.architectures = architectures;
  return result;
}
