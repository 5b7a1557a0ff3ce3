/** A schema problem of a profile, in words that point at its place in the file. */
import type { z } from 'zod';
import { isObject, type Obj } from '../io/shape.js';
import { ACTIONS, OPERATORS } from '../profile/schema.js';
import { closest } from './suggest.js';

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
export function describeProfileIssue(issue: z.core.$ZodIssue, data: unknown, prefix: string): string {
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
