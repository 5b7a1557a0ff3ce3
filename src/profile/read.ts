/**
 * Reading a profile file a user named: a regular file of sane size, valid JSON (see
 * io/json-file.ts) and of the profile's shape (errors say where). The result is the `Profile`
 * as written, unknown fields kept: the if: base's reader (prestart, record --if). The CLI's other
 * commands read with toolkit/normalize.ts instead; schema.ts says why there are two.
 */
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { ProfileSchema, describeIssue, type Profile } from './schema.js';

/** Check that `data` is a seccomp profile; `source` names it in the error. */
export function parseProfile(data: unknown, source: string): Profile {
  const result = ProfileSchema.safeParse(data);
  if (!result.success) {
    throw new SeccompGenError('PROFILE', `${source}: not a seccomp profile: ${describeIssue(result.error)}`);
  }
  return result.data;
}

/** A profile from a file's text (read by the caller, e.g. with the starter's rights). */
export function parseProfileText(text: string, source: string): Profile {
  return parseProfile(parseJson(text, source), source);
}

export function readProfileFile(path: string): Profile {
  return parseProfileText(readRegularFile(path), path);
}
