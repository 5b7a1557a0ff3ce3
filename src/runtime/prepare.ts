/**
 * The wrapper runtime's one piece of work before the real runtime runs: read the bundle's
 * config.json, and when the container asks to be traced, write it back with seccomp-gen's hooks
 * (runtime/spec.ts decides what). The file is read and replaced through one directory handle
 * (io/write-file.ts): never through a symlink, atomically (a temporary file renamed over it), with
 * its mode and owner kept. On any error the spec is left as it was.
 */
import { lstatSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { existingHere, inDirectoryOf, readHere, writeHere } from '../io/write-file.js';
import { isOurHook, ourHooks } from './hooks.js';
import { planTrace, type TracePlan } from './spec.js';

/** The largest config.json read (as oci/bundle.ts reads it for prestart). */
const MAX_SPEC_BYTES = 64 * 1024 * 1024;

/**
 * Tracing was asked for and seccomp-gen cannot set it up here (no hook bundle, the spec cannot be
 * written): the container is refused, or runs untraced when the config says failOpen.
 */
export class CannotTrace extends Error {
  constructor(readonly reason: SeccompGenError) {
    super(reason.message);
  }
}

function cannotTrace<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof SeccompGenError) throw new CannotTrace(e);
    throw e;
  }
}

/** Read `spec` (a bundle's config.json), and rewrite it if the container asks to be traced. */
export function prepareSpec(spec: string): TracePlan {
  return inDirectoryOf(spec, (_realDir, name) => {
    const existing = existingHere(spec, name); // refuses a symlink, or anything but a regular file
    if (!existing) throw new SeccompGenError('STATE', `${spec}: no such file (is the bundle there?)`);
    if (existing.size > MAX_SPEC_BYTES) throw new SeccompGenError('STATE', `${spec}: too large (${existing.size} bytes, limit ${MAX_SPEC_BYTES})`);
    const st = lstatSync(name);
    const text = readHere(spec, name, MAX_SPEC_BYTES);
    const plan = planTrace(spec, text, () => cannotTrace(() => ourHooks()), isOurHook);
    if (plan.text !== undefined) {
      const newText = plan.text;
      cannotTrace(() => writeHere(spec, name, newText, { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }));
    }
    return plan;
  });
}
