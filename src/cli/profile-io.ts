/**
 * What the profile commands share: reading their inputs (any format, one clear error naming the
 * file), printing warnings, and writing the result to stdout or, with -o, atomically to a file
 * that is replaced only once everything has succeeded.
 */
import { resolve } from 'node:path';
import chalk from 'chalk';
import { SeccompGenError } from '../errors.js';
import type { LoadedProfile } from '../toolkit/model.js';
import { hostTarget, goArch, DOCKER_DEFAULT_CAPS, type Target } from '../toolkit/resolve.js';
import { writeFileAtomic } from '../io/write-file.js';
import { loadProfileOrImage } from './image-label.js';
import { withProgress } from './progress.js';

export function loadAll(paths: readonly string[], command: string): LoadedProfile[] {
  const loaded = withProgress((progress) =>
    paths.map((path, i) => {
      if (paths.length > 1) progress.update({ what: 'reading profiles', unit: 'items', done: i, total: paths.length, detail: path });
      return loadProfileOrImage(path); // a file, or image:NAME's label
    }),
  );
  for (const l of loaded) warn(command, l.warnings);
  return loaded;
}

export function warn(command: string, warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`${chalk.yellow(`seccomp-gen ${command}: warning: ${w}`)}\n`);
}

/** stdout, or the file at `output` (relative to the working directory), replaced atomically. */
export function emit(text: string, output: string | undefined): void {
  if (output === undefined) process.stdout.write(text);
  else writeFileAtomic(resolve(output), text);
}

/** The target that includes/excludes and archMap are resolved for: this host unless told. */
export function targetFrom(values: { arch?: string | undefined; cap?: string[] | undefined; kernel?: string | undefined }): Target {
  const caps = values.cap?.flatMap((c) => c.split(',')).map((c) => c.trim().toUpperCase()).filter((c) => c !== '');
  const normalized = caps?.map((c) => (c.startsWith('CAP_') ? c : `CAP_${c}`));
  const host = hostTarget(normalized ?? DOCKER_DEFAULT_CAPS);
  return {
    arch: values.arch !== undefined ? goArch(values.arch) : host.arch,
    caps: host.caps,
    kernel: values.kernel ?? host.kernel,
  };
}

export const TARGET_OPTIONS = {
  arch: { type: 'string' },
  cap: { type: 'string', multiple: true },
  kernel: { type: 'string' },
} as const;

export const TARGET_USAGE = `  --arch A          arch to resolve includes/excludes and archMap for (Go name as moby
                    uses: amd64, arm64…; or SCMP_ARCH_X86_64). Default: this machine's
  --cap CAP         capabilities the container holds, repeatable or comma-separated.
                    Default: Docker's default set
  --kernel V        kernel version for minKernel. Default: this machine's`;

export function needFiles(positionals: readonly string[], min: number, max = Infinity, what = 'profile'): void {
  if (positionals.length < min || positionals.length > max) {
    const n = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new SeccompGenError('USAGE', `give ${n} ${what} file${min === 1 && max === 1 ? '' : 's'} (see --help)`);
  }
}
