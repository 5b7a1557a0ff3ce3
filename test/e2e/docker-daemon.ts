/**
 * A private Docker daemon for the Docker test: Debian's docker.io (dockerd with the containerd
 * it starts itself), on its own socket, data root and exec root under /var/tmp, with no bridge,
 * no iptables rules and no masquerading. So it cannot touch podman's networks or a Docker the
 * machine may run, and everything it made goes when the test stops it. Containers run with
 * --network none (loopback only).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { result, type Run } from './support.js';

export const DOCKERD = '/usr/sbin/dockerd';
/** The client from the same package (API 1.41); a newer docker on PATH would also do. */
export const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export interface DockerDaemon {
  /** The daemon's version, e.g. "20.10.24+dfsg1". */
  version: string;
  /** Its major version (20 for 20.10): Docker 23.0 is the first to honour errnoRet. */
  major: number;
  docker(args: string[], timeoutMs?: number): Run;
  /** SIGHUP: dockerd reads its --config-file again (its runtimes among what it reloads). */
  reload(): void;
  /** The environment the docker client needs to reach this daemon (DOCKER_HOST). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Why a Docker daemon cannot be started here, or undefined when it can be. */
export function dockerMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'root';
  if (!existsSync(DOCKERD)) return `${DOCKERD} (Debian's docker.io: test/setup.sh installs it)`;
  return undefined;
}

/** `extraArgs`: more dockerd options, e.g. --config-file FILE or --add-runtime NAME=PATH. */
export async function startDockerd(extraArgs: readonly string[] = []): Promise<DockerDaemon> {
  const missing = dockerMissing();
  if (missing) throw new Error(`the Docker test needs ${missing}`);
  const base = mkdtempSync('/var/tmp/seccomp-gen-docker-');
  const sock = join(base, 'docker.sock');
  const log = join(base, 'dockerd.log');
  const child: ChildProcess = spawn(
    DOCKERD,
    [
      '--host', `unix://${sock}`,
      '--data-root', join(base, 'data'),
      '--exec-root', join(base, 'exec'),
      '--pidfile', join(base, 'docker.pid'),
      '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false',
      ...extraArgs,
    ],
    { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')], cwd: base },
  );
  let exited = false;
  child.on('exit', () => (exited = true));

  const env = { DOCKER_HOST: `unix://${sock}` };
  const docker = (args: string[], timeoutMs = 120_000): Run =>
    result(spawnSync(DOCKER, args, { encoding: 'utf8', timeout: timeoutMs, cwd: base, env: { ...process.env, ...env } }));

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 200 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    }
    // dockerd unmounts its layers when it stops; anything left (a crash) is unmounted here so
    // that removing the directory cannot reach into a container's filesystem.
    const mounts = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).stdout ?? '';
    for (const target of mounts.split('\n').filter((m) => m.startsWith(base)).reverse()) spawnSync('umount', ['-l', target]);
    rmSync(base, { recursive: true, force: true });
  };

  for (let i = 0; i < 300; i++) {
    if (exited) break;
    const v = existsSync(sock) ? docker(['version', '--format', '{{.Server.Version}}'], 10_000) : undefined;
    if (v?.status === 0) {
      const version = v.stdout.trim();
      return { version, major: Number(version.split('.')[0]), docker, reload: () => child.kill('SIGHUP'), env, stop };
    }
    await sleep(100);
  }
  const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
  await stop();
  throw new Error(`dockerd did not come up within 30 s:\n${tail}`);
}
