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
import { SeccompGenError } from '../../errors.js';
import { formatJson, writeFileAtomic } from '../../io/write-file.js';
import { machineChecks } from '../../kernel/diagnose.js';
import { DEFAULT_KUBERNETES_DIR } from '../../policy/output-policy.js';
import { DEFAULT_RUN_DIR } from '../../state/paths.js';

export const DEFAULT_HOOKS_DIR = '/usr/share/containers/oci/hooks.d';
/** Where an administrator's unit files go (systemd.unit(5)). */
export const DEFAULT_SYSTEMD_DIR = '/etc/systemd/system';
const TEMPLATES = fileURLToPath(new URL('../../../hooks/', import.meta.url));
const UNIT_TEMPLATES = fileURLToPath(new URL('../../../systemd/', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../main.js', import.meta.url));
// The hook entry bundled into one CommonJS file (npm run build:hook): a hook loading ~30 ES
// modules spent ~30 ms on module loading alone while the container waited, and Node 20's ES
// module loader costs another ~12 ms per hook over require() even for one file (measured:
// prestart 58 → 45 ms, poststop 57 → 44 ms, medians of 75 runs outside podman).
const HOOK_ENTRY = fileURLToPath(new URL('../../hook/main.cjs', import.meta.url));

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

/** The hooks.d documents, with absolute paths filled in. */
export function renderHooks(node = process.execPath, entry = HOOK_ENTRY, settings: HookSettings = {}): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const file of hookFileNames()) {
    const text = readFileSync(join(TEMPLATES, file), 'utf8');
    // Replacer functions: a "$&" or "$'" in a path is text, not a replacement pattern.
    const doc = JSON.parse(text, (_k, v: unknown) =>
      typeof v === 'string' ? v.replace('@NODE@', () => node).replace('@HOOK@', () => entry) : v,
    ) as { hook: Record<string, unknown> };
    if (settings.timeout !== undefined) doc.hook.timeout = settings.timeout;
    if (settings.env?.length) doc.hook.env = settings.env;
    out.set(file, doc);
  }
  return out;
}

/** The broker's systemd units (rootless Podman), with absolute paths and the hooks' env filled in. */
export function renderUnits(env: readonly string[] = [], node = process.execPath, cli = CLI_ENTRY): Map<string, string> {
  const own = env.filter((e) => e.startsWith('SECCOMP_GEN_'));
  const runDir = own.find((e) => e.startsWith('SECCOMP_GEN_RUN_DIR='))?.slice('SECCOMP_GEN_RUN_DIR='.length) || DEFAULT_RUN_DIR;
  const quote = (e: string) => `"${e.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const out = new Map<string, string>();
  for (const file of readdirSync(UNIT_TEMPLATES).filter((f) => /^seccomp-gen-broker\.(socket|service)$/.test(f))) {
    const text = readFileSync(join(UNIT_TEMPLATES, file), 'utf8')
      .replace('@NODE@', () => node)
      .replace('@CLI@', () => cli)
      .replace('@SOCKET@', () => join(runDir, 'broker.sock'))
      .replace('@ENVIRONMENT@\n', () => own.map((e) => `Environment=${quote(e)}\n`).join(''));
    out.set(file, text);
  }
  return out;
}

const usage = (verb: string) => `Usage: seccomp-gen ${verb} [--hooks-dir DIR]${verb === 'install' ? ' [--timeout SECONDS] [--env SECCOMP_GEN_X=VALUE]…' : ''} [--rootless [--systemd-dir DIR]]

${verb === 'install' ? 'Write' : 'Remove'} the OCI hook files (prestart and poststop) ${verb === 'install' ? 'into' : 'from'} DIR.
Default DIR: ${DEFAULT_HOOKS_DIR} (where Podman and CRI-O look).
With a custom DIR, run podman with --hooks-dir DIR.${verb === 'install' ? `
Warns when this machine's kernel cannot run the recorder (seccomp-gen check says all).` : ''}
${
  verb === 'install'
    ? `--timeout: seconds the runtime lets a hook run before killing it (default 10).
--env: an environment variable for the hooks (only SECCOMP_GEN_* names), e.g.
  SECCOMP_GEN_CONFIG=/path/config.json for a second, test installation.
`
    : ''
}--rootless: also ${verb === 'install' ? 'install' : 'remove'} the broker's systemd units (seccomp-gen-broker.socket and
  .service) ${verb === 'install' ? 'into' : 'from'} --systemd-dir (default ${DEFAULT_SYSTEMD_DIR}), for rootless Podman.${verb === 'install' ? `
  Then: systemctl daemon-reload && systemctl enable --now seccomp-gen-broker.socket` : ''}
`;

const options = { 'hooks-dir': { type: 'string' }, rootless: { type: 'boolean' }, 'systemd-dir': { type: 'string' } } as const;
const installOptions = { ...options, timeout: { type: 'string' }, env: { type: 'string', multiple: true } } as const;

/** --timeout and --env, checked: a hook file podman cannot read would silently trace nothing. */
export function hookSettings(timeout: string | undefined, env: string[] | undefined): HookSettings {
  const settings: HookSettings = {};
  if (timeout !== undefined) {
    if (!/^\d+$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 3600) throw new SeccompGenError('USAGE', `--timeout ${timeout}: expected whole seconds, 1 to 3600`);
    settings.timeout = Number(timeout);
  }
  for (const e of env ?? []) {
    if (!/^SECCOMP_GEN_[A-Z_]+=[^\n]*$/.test(e)) throw new SeccompGenError('USAGE', `--env ${e}: expected SECCOMP_GEN_NAME=VALUE`);
  }
  // A hook given an env gets only that env (Go's exec.Cmd): keep a PATH for mount(8).
  if (env?.length) settings.env = [...env, 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  return settings;
}

export const install: Command = {
  name: 'install',
  usage: usage('install'),
  run(args) {
    const { values } = parse(args, installOptions, false);
    const settings = hookSettings(values.timeout, values.env);
    const dir = resolve(values['hooks-dir'] ?? DEFAULT_HOOKS_DIR);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const [file, doc] of renderHooks(undefined, undefined, settings)) {
      const path = join(dir, file);
      writeFileAtomic(path, formatJson(doc));
      process.stdout.write(`installed ${path}\n`);
    }
    if (values.rootless) {
      const unitDir = resolve(values['systemd-dir'] ?? DEFAULT_SYSTEMD_DIR);
      mkdirSync(unitDir, { recursive: true, mode: 0o755 });
      for (const [file, text] of renderUnits(values.env)) {
        writeFileAtomic(join(unitDir, file), text);
        process.stdout.write(`installed ${join(unitDir, file)}\n`);
      }
      process.stdout.write('rootless Podman: systemctl daemon-reload && systemctl enable --now seccomp-gen-broker.socket (or run seccomp-gen broker)\n');
    } else if (values['systemd-dir'] !== undefined) {
      throw new SeccompGenError('USAGE', '--systemd-dir goes with --rootless');
    }
    // Where Kubernetes pods' profiles go by default (policy/output-policy.ts): root's, 0755,
    // one directory per namespace made on first use. Only root can make it, and only root needs it.
    if (process.getuid?.() === 0) mkdirSync(DEFAULT_KUBERNETES_DIR, { recursive: true, mode: 0o755 });
    // The hooks are in place, but would this kernel run the recorder? Say so now rather than at
    // the first traced container. Whose privileges does not matter here: the hooks run as root.
    const missing = machineChecks().filter((f) => !f.ok && f.check !== 'privileges');
    if (missing.length) process.stderr.write(`warning: tracing will not work on this machine: ${missing.map((f) => f.detail).join('; ')} (seccomp-gen check says more)\n`);
    return 0;
  },
};

export const uninstall: Command = {
  name: 'uninstall',
  usage: usage('uninstall'),
  run(args) {
    const { values } = parse(args, options, false);
    const dir = resolve(values['hooks-dir'] ?? DEFAULT_HOOKS_DIR);
    for (const file of hookFileNames()) {
      const path = join(dir, basename(file));
      try {
        unlinkSync(path);
        process.stdout.write(`removed ${path}\n`);
      } catch {
        /* not installed */
      }
    }
    if (values.rootless) {
      const unitDir = resolve(values['systemd-dir'] ?? DEFAULT_SYSTEMD_DIR);
      for (const file of renderUnits().keys()) {
        try {
          unlinkSync(join(unitDir, file));
          process.stdout.write(`removed ${join(unitDir, file)}\n`);
        } catch {
          /* not installed */
        }
      }
    }
    return 0;
  },
};
