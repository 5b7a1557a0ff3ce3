/**
 * What validate says about argument conditions, beyond their shape (the schema already holds
 * index to 0–5 and op to the seven operators). Each is a warning: the runtimes load such rules,
 * they just do not do what they seem to (read with argument-table.ts's notes on runc and crun):
 * - several conditions on one index: runc and crun then add EVERY condition of the rule as a rule
 *   of its own, so all of them are ORed, those on other indices too;
 * - MASKED_EQ whose valueTwo has bits outside its mask (value): no call can ever match;
 * - valueTwo on another operator: ignored;
 * - more than 6 conditions: crun reads only the first 6;
 * - a value above 2^53: JSON readers in JavaScript (and some in Go, through float64) lose its
 *   low bits.
 */
import type { LoadedProfile } from './model.js';

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function argumentWarnings(loaded: LoadedProfile, source: string): string[] {
  const out: string[] = [];
  const rules = loaded.raw['syscalls'];
  (Array.isArray(rules) ? rules : []).forEach((rule, i) => {
    if (!isObject(rule) || !Array.isArray(rule['args'])) return;
    const at = `${source}: ${loaded.prefix}syscalls[${i}].args`;
    const args = rule['args'].filter(isObject);
    const indices = args.map((a) => a['index']);
    const repeated = [...new Set(indices.filter((x, j) => indices.indexOf(x) !== j))];
    if (repeated.length) out.push(`${at}: several conditions on argument ${repeated.join(', ')}: runc and crun then apply each condition of this rule on its own (ORed, not ANDed); write one rule per value`);
    if (args.length > 6) out.push(`${at}: ${args.length} conditions: crun reads only the first 6`);
    args.forEach((a, j) => {
      const value = a['value'];
      const two = a['valueTwo'];
      if (typeof value === 'number' && value > Number.MAX_SAFE_INTEGER) out.push(`${at}[${j}].value: ${value} is above 2^53: JSON readers may round it`);
      if (typeof two === 'number' && two > Number.MAX_SAFE_INTEGER) out.push(`${at}[${j}].valueTwo: ${two} is above 2^53: JSON readers may round it`);
      if (a['op'] === 'SCMP_CMP_MASKED_EQ') {
        if (typeof value === 'number' && typeof two === 'number' && (BigInt(two) & ~BigInt(value)) !== 0n) {
          out.push(`${at}[${j}]: MASKED_EQ compares (arg & value) with valueTwo, and valueTwo 0x${two.toString(16)} has bits outside the mask 0x${value.toString(16)}: it never matches`);
        }
      } else if (typeof two === 'number' && two !== 0) {
        out.push(`${at}[${j}].valueTwo: only SCMP_CMP_MASKED_EQ reads valueTwo; ${String(a['op'])} ignores it`);
      }
    });
  });
  return out;
}
