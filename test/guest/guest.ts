/**
 * The guest harness from TypeScript, in three separate pieces:
 *   fetchKernel   a Debian kernel of one series and arch, by package name (fetch-kernel.sh)
 *   makeRootfs    a Debian root of another arch (arm64), by mmdebstrap under qemu-user (make-rootfs.sh)
 *   bootGuest     boot it on the host's own filesystem, or on such a root with this checkout at its
 *                 own path, and run a shell script in it as root (boot.sh, make-initrd.sh,
 *                 initrd-init.sh, stage2.sh), with its results back
 * Downloads, roots and initrds are cached under .cache/guest/ (git-ignored): a second run only boots.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const GUEST_CACHE = fileURLToPath(new URL('../../.cache/guest/', import.meta.url));

export type GuestArch = 'amd64' | 'arm64';
export type DebianSeries = 'bullseye' | 'bookworm' | 'trixie';

export interface Kernel {
  dir: string;
  /** uname -r, e.g. 6.1.0-41-amd64 */
  release: string;
  /** linux-image-…=version */
  package: string;
}

/** The newest kernel of `series` for `arch`, unpacked (downloaded only when the mirror has a newer one, lists once a day). */
export function fetchKernel(arch: GuestArch, series: DebianSeries): Kernel {
  const dir = execFileSync('bash', [join(HERE, 'fetch-kernel.sh'), arch, series, GUEST_CACHE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return { dir, release: readFileSync(join(dir, 'release'), 'utf8').trim(), package: readFileSync(join(dir, 'package'), 'utf8').trim() };
}

/** A root filesystem of `arch` (make-rootfs.sh), made once per version of that script. */
export function makeRootfs(arch: GuestArch, series: DebianSeries): string {
  return execFileSync('bash', [join(HERE, 'make-rootfs.sh'), arch, series, GUEST_CACHE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

export interface GuestRun {
  /** The script's exit code; 124: the guest timed out; 125: it stopped without a status. */
  status: number;
  stdout: string;
  stderr: string;
  /** The serial console, with the kernel's own messages. */
  console: string;
  /** /out in the guest: everything the script wrote there. */
  outDir: string;
  seconds: number;
}

/** Boot `kernel` and run `script` (sh) in it; `files` are put in /out first. `root`: a makeRootfs tree
 * instead of the host's filesystem, with `repo` (a host directory) at its own path. */
export function bootGuest(arch: GuestArch, kernel: Kernel, script: string, opts: { files?: Record<string, string>; timeoutSeconds?: number; cpus?: number; memoryMiB?: number; root?: string; repo?: string } = {}): GuestRun {
  const outDir = mkdtempSync(join(tmpdir(), 'sg-guest-'));
  writeFileSync(join(outDir, 'cmd'), script);
  for (const [name, text] of Object.entries(opts.files ?? {})) writeFileSync(join(outDir, name), text);
  const started = Date.now();
  const r = spawnSync('bash', [join(HERE, 'boot.sh'), arch, kernel.dir, outDir], {
    encoding: 'utf8',
    env: { ...process.env, GUEST_TIMEOUT: String(opts.timeoutSeconds ?? 300), GUEST_CPUS: String(opts.cpus ?? 2), GUEST_MEM: String(opts.memoryMiB ?? 2048), GUEST_ROOT: opts.root ?? '/', GUEST_REPO: opts.repo ?? '' },
  });
  const read = (name: string) => {
    try {
      return readFileSync(join(outDir, name), 'utf8');
    } catch {
      return '';
    }
  };
  return { status: r.status ?? -1, stdout: read('stdout'), stderr: read('stderr') + r.stderr, console: read('console.log'), outDir, seconds: (Date.now() - started) / 1000 };
}
