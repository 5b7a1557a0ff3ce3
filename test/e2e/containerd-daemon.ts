/**
 * A private containerd for the containerd test: Debian's containerd 1.6 (installed with
 * docker.io) with its own root, state, socket and config under /var/tmp, and its CRI plugin set up
 * as a Kubernetes node's would be for seccomp-gen: a runtime handler whose BinaryName is the
 * wrapper, with pod_annotations. No CNI (pods use the node's network), no image registry (images
 * come from podman save and ctr image import). Everything it made goes when the test stops it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, result, type Run } from './support.js';

export const CONTAINERD = '/usr/bin/containerd';
export const CTR = '/usr/bin/ctr';

/** Why a containerd cannot be started here, or undefined when it can be. */
export function containerdMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'root';
  if (!existsSync(CONTAINERD) || !existsSync(CTR)) return `${CONTAINERD} and ${CTR} (Debian's containerd, with docker.io: test/setup.sh installs it)`;
  return undefined;
}

export interface RuntimeHandler {
  name: string;
  binary: string;
  podAnnotations: string[];
}

/** The runtime handler of examples/containerd/config.toml (what users copy), read without a TOML parser. */
export function exampleHandler(): RuntimeHandler {
  const text = readFileSync(join(ROOT, 'examples/containerd/config.toml'), 'utf8');
  const name = /^\[plugins\."io\.containerd\.grpc\.v1\.cri"\.containerd\.runtimes\.([\w-]+)\]$/m.exec(text)?.[1];
  const podAnnotations = /^\s*pod_annotations = (\[.*\])$/m.exec(text)?.[1];
  const binary = /^\s*BinaryName = (".*")$/m.exec(text)?.[1];
  if (!name || !podAnnotations || !binary) throw new Error('examples/containerd/config.toml: no runtime handler with pod_annotations and BinaryName');
  return { name, podAnnotations: JSON.parse(podAnnotations) as string[], binary: JSON.parse(binary) as string };
}

export interface Containerd {
  socket: string;
  /** ctr on this containerd's socket. */
  ctr(args: string[], timeoutMs?: number): Run;
  stop(): Promise<void>;
}

const toml = (s: string) => JSON.stringify(s); // a TOML basic string is a JSON string here (no control characters)

export async function startContainerd(options: { handler: RuntimeHandler; sandboxImage: string }): Promise<Containerd> {
  const missing = containerdMissing();
  if (missing) throw new Error(`the containerd test needs ${missing}`);
  const base = mkdtempSync('/var/tmp/seccomp-gen-containerd-');
  const socket = join(base, 'containerd.sock');
  for (const d of ['cni-bin', 'cni-conf']) mkdirSync(join(base, d));
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  const h = options.handler;
  writeFileSync(
    join(base, 'config.toml'),
    `version = 2
root = ${toml(join(base, 'root'))}
state = ${toml(join(base, 'state'))}
[grpc]
  address = ${toml(socket)}
[ttrpc]
  address = ${toml(`${socket}.ttrpc`)}
[debug]
  address = ""
[metrics]
  address = ""
[${cri}]
  sandbox_image = ${toml(options.sandboxImage)}
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # This VM lacks CAP_SYS_RESOURCE: a sandbox's default oom_score_adj (-998) would be refused.
  restrict_oom_score_adj = true
  [${cri}.cni]
    bin_dir = ${toml(join(base, 'cni-bin'))}
    conf_dir = ${toml(join(base, 'cni-conf'))}
  [${cri}.containerd]
    default_runtime_name = "runc"
    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
    [${cri}.containerd.runtimes.${h.name}]
      runtime_type = "io.containerd.runc.v2"
      pod_annotations = [${h.podAnnotations.map(toml).join(', ')}]
      [${cri}.containerd.runtimes.${h.name}.options]
        BinaryName = ${toml(h.binary)}
`,
  );
  const log = join(base, 'containerd.log');
  const child: ChildProcess = spawn(CONTAINERD, ['--config', join(base, 'config.toml')], { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')], cwd: base });
  let exited = false;
  child.on('exit', () => (exited = true));
  const ctr = (args: string[], timeoutMs = 120_000): Run => result(spawnSync(CTR, ['--address', socket, ...args], { encoding: 'utf8', timeout: timeoutMs, cwd: base }));

  /** The shims this containerd started (they outlive it): found by their -address, ours alone. */
  const shims = () =>
    readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
          return argv[0]?.endsWith('containerd-shim-runc-v2') && argv.includes(socket);
        } catch {
          return false;
        }
      })
      .map(Number);

  const stop = async (): Promise<void> => {
    // Tasks first, so that their shims exit; then containerd; then any shim left behind.
    for (const ns of ctr(['namespaces', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
      for (const task of ctr(['-n', ns, 'tasks', 'ls', '-q']).stdout.split('\n').filter(Boolean)) {
        ctr(['-n', ns, 'tasks', 'kill', '-s', 'SIGKILL', task]);
        ctr(['-n', ns, 'tasks', 'delete', '-f', task]);
      }
      for (const c of ctr(['-n', ns, 'containers', 'ls', '-q']).stdout.split('\n').filter(Boolean)) ctr(['-n', ns, 'containers', 'delete', c]);
    }
    if (!exited) {
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
    }
    for (const pid of shims()) process.kill(pid, 'SIGKILL');
    const mounts = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).stdout ?? '';
    for (const target of mounts.split('\n').filter((m) => m.startsWith(base)).reverse()) spawnSync('umount', ['-l', target]);
    rmSync(base, { recursive: true, force: true });
  };

  for (let i = 0; i < 300; i++) {
    if (exited) break;
    if (existsSync(socket) && ctr(['version'], 10_000).status === 0) return { socket, ctr, stop };
    await sleep(100);
  }
  const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-15).join('\n') : '';
  await stop();
  throw new Error(`containerd did not come up within 30 s:\n${tail}`);
}
