/**
 * The hooks the wrapper puts into a spec — the very hooks `seccomp-gen install` writes into
 * hooks.d (hooks/definitions.ts), with this installation's node and hook bundle — and how it
 * tells seccomp-gen's hooks in a spec that already has some (Podman and CRI-O add them from
 * hooks.d, perhaps from another installation of seccomp-gen).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { HOOK_ENTRY, hookEnv, renderHooks, type HookCommand } from '../hooks/definitions.js';
import { isObject } from '../io/shape.js';
import { TRACE_ENV, TRACE_STAGES, type TraceStage } from './spec.js';

/** The wrapper's own variables, which are not the hooks' settings. */
const WRAPPER_ENV = [TRACE_ENV, 'SECCOMP_GEN_RUNTIME', 'SECCOMP_GEN_WRAPPED'];

/**
 * The hooks' environment: the SECCOMP_GEN_* settings the wrapper was started with (an engine
 * started with SECCOMP_GEN_CONFIG, say, hands it to its runtime, and so to the hooks) and a PATH.
 */
function hookVariables(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => /^SECCOMP_GEN_[A-Z_]+$/.test(k) && !WRAPPER_ENV.includes(k) && v !== undefined && !v.includes('\n'))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

/** seccomp-gen's hook for each stage; throws when this installation has no hook bundle to run. */
export function ourHooks(env: NodeJS.ProcessEnv = process.env): Record<TraceStage, HookCommand> {
  if (!existsSync(HOOK_ENTRY)) throw new SeccompGenError('TARGET', `seccomp-gen's hook bundle ${HOOK_ENTRY} is missing (a source checkout needs npm run build)`);
  const docs = [...renderHooks(process.execPath, HOOK_ENTRY, { env: hookEnv(hookVariables(env)) }).values()];
  const hookOf = (stage: TraceStage) => {
    const doc = docs.find((d) => d.stages.includes(stage));
    if (!doc) throw new Error(`no hook template for the ${stage} stage`);
    return doc.hook;
  };
  return { prestart: hookOf('prestart'), poststop: hookOf('poststop') };
}

/** Whether `entry` is a seccomp-gen hook bundle: this one, or one in another copy of the package. */
function isHookEntry(entry: string): boolean {
  if (entry === HOOK_ENTRY) return true;
  if (basename(entry) !== 'main.cjs') return false;
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '../../package.json'), 'utf8')) as { name?: unknown };
    return pkg.name === 'seccomp-gen';
  } catch {
    return false;
  }
}

/** Whether a hook of a spec is one of seccomp-gen's: `node <hook bundle> prestart|poststop`. */
export function isOurHook(hook: unknown): boolean {
  if (!isObject(hook) || !Array.isArray(hook.args)) return false;
  const [, entry, stage] = hook.args as unknown[];
  return typeof entry === 'string' && TRACE_STAGES.includes(stage as TraceStage) && isHookEntry(entry);
}
