/**
 * The Docker part of `seccomp-gen install --docker` / `uninstall --docker`: seccomp-gen-runtime
 * registered in dockerd's daemon.json (the merge itself is runtime/docker-config.ts, pure).
 */
import { existsSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { writeFileAtomic } from '../io/write-file.js';
import { readRegularFile } from '../io/json-file.js';
import { DEFAULT_DOCKER_CONFIG, DEFAULT_RUNTIME_NAME, WRAPPER, addDockerRuntime, removeDockerRuntime } from '../runtime/docker-config.js';

export interface DockerInstallOptions {
  config?: string | undefined;
  name?: string | undefined;
  realRuntime?: string | undefined;
  makeDefault?: boolean | undefined;
}

function readConfig(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readRegularFile(path, 1024 * 1024);
  } catch (e) {
    throw new SeccompGenError('CONFIG', (e as Error).message);
  }
}

function say(notes: readonly string[], path: string): void {
  for (const n of notes) process.stdout.write(`${path}: ${n}\n`);
}

/** Register the wrapper in daemon.json; returns the runtime's name. */
export function installDockerRuntime(options: DockerInstallOptions): string {
  const path = resolve(options.config ?? DEFAULT_DOCKER_CONFIG);
  const name = options.name ?? DEFAULT_RUNTIME_NAME;
  const real = options.realRuntime;
  if (real !== undefined && (real === '' || (real.includes('/') && !isAbsolute(real)))) {
    throw new SeccompGenError('USAGE', `--real-runtime ${real}: expected runc, crun, another name on dockerd's PATH, or an absolute path`);
  }
  const change = addDockerRuntime(path, readConfig(path), { name, path: WRAPPER, ...(real !== undefined ? { realRuntime: real } : {}), ...(options.makeDefault ? { makeDefault: true } : {}) });
  if (change.changed) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    writeFileAtomic(path, change.text!, { mode: existsSync(path) ? statSync(path).mode & 0o7777 : 0o644 });
  }
  say(change.notes, path);
  process.stdout.write(
    `dockerd reads it when it starts: restart it (systemctl restart docker), or send it SIGHUP (systemctl reload docker), which reloads its runtimes without stopping containers.\n` +
      `Then: docker run --runtime ${name} -e SECCOMP_GEN_TRACE=of:/abs/out.json IMAGE CMD (Docker 24 and later: --annotation io.containers.trace-syscall=of:/abs/out.json)\n`,
  );
  return name;
}

/** Take out what installDockerRuntime added. */
export function uninstallDockerRuntime(options: DockerInstallOptions): void {
  const path = resolve(options.config ?? DEFAULT_DOCKER_CONFIG);
  const change = removeDockerRuntime(path, readConfig(path), options.name ?? DEFAULT_RUNTIME_NAME);
  if (change.changed) {
    if (change.text === undefined) unlinkSync(path);
    else writeFileAtomic(path, change.text, { mode: statSync(path).mode & 0o7777 });
  }
  say(change.notes, path);
  if (change.changed) process.stdout.write('restart dockerd, or send it SIGHUP (systemctl reload docker), for it to forget the runtime (containers created with it keep running, but cannot be started again while it is gone)\n');
}
