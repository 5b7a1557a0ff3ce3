/**
 * The if: base profile of a traced container, read with the rights the policy gives (the
 * starter's, or the rootless user's own) and checked. zod comes in only here, behind import():
 * ~100 ms of start-up that a container without a base does not pay.
 */
import { SeccompGenError } from '../errors.js';
import { readInput } from '../policy/output-file.js';
import type { OutputPolicy } from '../policy/output-policy.js';
import type { Profile } from '../profile/schema.js';

export async function readBase(policy: OutputPolicy, path: string): Promise<Profile> {
  try {
    const text = readInput(policy, path);
    const { parseProfileText } = await import('../profile/read.js');
    return parseProfileText(text, path);
  } catch (e) {
    throw new SeccompGenError(e instanceof SeccompGenError && e.code === 'PATH' ? 'PATH' : 'PROFILE', `if: ${(e as Error).message}`);
  }
}
