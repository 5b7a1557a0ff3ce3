/**
 * install / uninstall: the hooks.d files that make Podman (and CRI-O) run our hooks for a
 * container annotated io.containers.trace-syscall; with --docker, the wrapper runtime in
 * dockerd's daemon.json too (cli/docker-runtime.ts). The templates in hooks/ name node and the hook
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
import { hookEnv, hookFileNames, renderHooks, type HookSettings } from '../../hooks/definitions.js';
import { DEFAULT_DOCKER_CONFIG, DEFAULT_RUNTIME_NAME } from '../../runtime/docker-config.js';
import { installDockerRuntime, uninstallDockerRuntime } from '../docker-runtime.js';

export const DEFAULT_HOOKS_DIR = '/usr/share/containers/oci/hooks.d';
/** Where an administrator's unit files go (systemd.unit(5)). */
export const DEFAULT_SYSTEMD_DIR = '/etc/systemd/system';
const UNIT_TEMPLATES = fileURLToPath(new URL('../../../systemd/', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../main.js', import.meta.url));

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
         [--docker [--docker-config FILE] [--runtime-name NAME]${verb === 'install' ? ' [--real-runtime RUNTIME] [--docker-default]' : ''}]

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
--docker: also ${verb === 'install' ? 'register' : 'unregister'} the wrapper runtime seccomp-gen-runtime ${verb === 'install' ? 'in' : 'from'} dockerd's --docker-config
  (default ${DEFAULT_DOCKER_CONFIG}) as runtimes.NAME (--runtime-name, default ${DEFAULT_RUNTIME_NAME}); ${
    verb === 'install'
      ? `the rest of
  the file is kept as it is, and an entry of that name that is not seccomp-gen's is never replaced.
  --real-runtime: what the wrapper runs (runc, crun or a path; default runc).
  --docker-default: also make it dockerd's default-runtime (over none or runc only).
  Then restart dockerd, or send it SIGHUP (it reloads its runtimes).`
      : 'only what install added goes.'
  }
  See docs/engines.md for containerd and Kubernetes.
`;

const options = {
  'hooks-dir': { type: 'string' },
  rootless: { type: 'boolean' },
  'systemd-dir': { type: 'string' },
  docker: { type: 'boolean' },
  'docker-config': { type: 'string' },
  'runtime-name': { type: 'string' },
} as const;
const installOptions = { ...options, timeout: { type: 'string' }, env: { type: 'string', multiple: true }, 'real-runtime': { type: 'string' }, 'docker-default': { type: 'boolean' } } as const;

/** The Docker options go with --docker. */
function checkDockerOptions(values: Record<string, unknown>): void {
  const stray = ['docker-config', 'runtime-name', 'real-runtime', 'docker-default'].find((o) => values[o] !== undefined);
  if (!values.docker && stray) throw new SeccompGenError('USAGE', `--${stray} goes with --docker`);
}

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
  if (env?.length) settings.env = hookEnv(env);
  return settings;
}

export const install: Command = {
  name: 'install',
  usage: usage('install'),
  run(args) {
    const { values } = parse(args, installOptions, false);
    checkDockerOptions(values);
    const settings = hookSettings(values.timeout, values.env);
    // First: of all the steps, daemon.json is the one that may refuse (an entry not ours).
    if (values.docker) installDockerRuntime({ config: values['docker-config'], name: values['runtime-name'], realRuntime: values['real-runtime'], makeDefault: values['docker-default'] });
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
    checkDockerOptions(values);
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
    if (values.docker) uninstallDockerRuntime({ config: values['docker-config'], name: values['runtime-name'] });
    return 0;
  },
};
