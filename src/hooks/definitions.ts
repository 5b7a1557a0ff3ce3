/**
 * The hook definitions seccomp-gen runs as: the templates in hooks/ (one per stage) with node
 * and the hook entry filled in as absolute paths. `seccomp-gen install` writes them into a
 * hooks.d directory (Podman, CRI-O); the wrapper runtime (src/runtime/) puts the same hooks into
 * a container's config.json for the engines that read no hooks.d (Docker, containerd).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATES = fileURLToPath(new URL('../../hooks/', import.meta.url));
// The hook entry bundled into one CommonJS file (npm run build:hook): a hook loading ~30 ES
// modules spent ~30 ms on module loading alone while the container waited, and Node 20's ES
// module loader costs another ~12 ms per hook over require() even for one file (measured:
// prestart 58 → 45 ms, poststop 57 → 44 ms, medians of 75 runs outside podman).
export const HOOK_ENTRY = fileURLToPath(new URL('../hook/main.cjs', import.meta.url));

/** The hooks.d files install writes: one per template in hooks/. */
export function hookFileNames(): string[] {
  return readdirSync(TEMPLATES).filter((f) => /^seccomp-gen-.*\.json$/.test(f));
}

export interface HookSettings {
  /** hook.timeout in seconds: the runtime kills a hook that takes longer (default: the template's 10). */
  timeout?: number;
  /** hook.env entries (NAME=VALUE), e.g. SECCOMP_GEN_CONFIG for a test installation. */
  env?: string[];
}

/** A hook given an env gets only that env (Go's exec.Cmd): `vars` and a PATH for mount(8). */
export function hookEnv(vars: readonly string[]): string[] {
  return [...vars, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
}

/** One stage's hook as hooks.d and the OCI runtime spec write it. */
export interface HookCommand {
  path: string;
  args: string[];
  env?: string[];
  timeout?: number;
}

/** A hooks.d document: the hook, when it applies, at which stages. */
export interface HookDocument {
  version: string;
  hook: HookCommand;
  when: Record<string, unknown>;
  stages: string[];
}

/** The hooks.d documents by file name, with absolute paths filled in. */
export function renderHooks(node = process.execPath, entry = HOOK_ENTRY, settings: HookSettings = {}): Map<string, HookDocument> {
  const out = new Map<string, HookDocument>();
  for (const file of hookFileNames()) {
    const text = readFileSync(join(TEMPLATES, file), 'utf8');
    // Replacer functions: a "$&" or "$'" in a path is text, not a replacement pattern.
    const doc = JSON.parse(text, (_k, v: unknown) =>
      typeof v === 'string' ? v.replace('@NODE@', () => node).replace('@HOOK@', () => entry) : v,
    ) as HookDocument;
    if (settings.timeout !== undefined) doc.hook.timeout = settings.timeout;
    if (settings.env?.length) doc.hook.env = settings.env;
    out.set(file, doc);
  }
  return out;
}
