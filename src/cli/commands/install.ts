/**
 * install / uninstall: the hooks.d files that make Podman (and CRI-O) run our hooks for a
 * container annotated io.containers.trace-syscall. The templates in hooks/ name node and the hook
 * entry by placeholder; here they become absolute paths, as hooks.d requires.
 */
import { mkdirSync, readFileSync, readdirSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { formatJson, writeFileAtomic } from '../../profile/write.js';

export const DEFAULT_HOOKS_DIR = '/usr/share/containers/oci/hooks.d';
const TEMPLATES = fileURLToPath(new URL('../../../hooks/', import.meta.url));
const HOOK_ENTRY = fileURLToPath(new URL('../../hooks/main.js', import.meta.url));

function templates(): string[] {
  return readdirSync(TEMPLATES).filter((f) => /^seccomp-gen-.*\.json$/.test(f));
}

/** The hooks.d documents, with absolute paths filled in. */
export function renderHooks(node = process.execPath, entry = HOOK_ENTRY): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of templates()) {
    const text = readFileSync(join(TEMPLATES, file), 'utf8');
    // Replacer functions: a "$&" or "$'" in a path is text, not a replacement pattern.
    const doc = JSON.parse(text, (_k, v: unknown) =>
      typeof v === 'string' ? v.replace('@NODE@', () => node).replace('@HOOK@', () => entry) : v,
    ) as unknown;
    out.set(file, doc);
  }
  return out;
}

const usage = (verb: string) => `Usage: seccomp-gen ${verb} [--hooks-dir DIR]

${verb === 'install' ? 'Write' : 'Remove'} the OCI hook files (prestart and poststop) ${verb === 'install' ? 'into' : 'from'} DIR.
Default DIR: ${DEFAULT_HOOKS_DIR} (where Podman and CRI-O look).
With a custom DIR, run podman with --hooks-dir DIR.
`;

const options = { 'hooks-dir': { type: 'string' } } as const;

export const install: Command = {
  name: 'install',
  summary: 'write the OCI hook files into a hooks.d directory',
  usage: usage('install'),
  run(args) {
    const { values } = parse(args, options, false);
    const dir = resolve(values['hooks-dir'] ?? DEFAULT_HOOKS_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const [file, doc] of renderHooks()) {
      const path = join(dir, file);
      writeFileAtomic(path, formatJson(doc));
      process.stdout.write(`installed ${path}\n`);
    }
    return 0;
  },
};

export const uninstall: Command = {
  name: 'uninstall',
  summary: 'remove the OCI hook files from a hooks.d directory',
  usage: usage('uninstall'),
  run(args) {
    const { values } = parse(args, options, false);
    const dir = resolve(values['hooks-dir'] ?? DEFAULT_HOOKS_DIR);
    for (const file of templates()) {
      const path = join(dir, basename(file));
      try {
        unlinkSync(path);
        process.stdout.write(`removed ${path}\n`);
      } catch {
        /* not installed */
      }
    }
    return 0;
  },
};
