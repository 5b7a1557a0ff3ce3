/**
 * Profiles read from a local image's io.containers.seccomp.profile label, for the profile
 * commands (show, diff, convert, merge): `image:NAME` on their command line names the image
 * NAME as Podman knows it (`containers-storage:NAME`, Podman's own transport name for its local
 * store, is read the same). The label is read through `podman image inspect`, as the user who runs
 * us (root's store for root, a rootless user's own otherwise): the store's layout is podman's
 * business. A file whose name starts with `image:` is still read as `./image:…`.
 */
import { spawnSync } from 'node:child_process';
import { SeccompGenError, messageOf } from '../errors.js';
import { SECCOMP_PROFILE_LABEL, profileFromLabel } from '../toolkit/label.js';
import type { LoadedProfile } from '../toolkit/model.js';
import { loadProfile } from '../toolkit/load.js';

const IMAGE_PREFIXES = ['image:', 'containers-storage:'] as const;

/** The image a command-line argument names, or undefined when it names a file. */
export function imageName(arg: string): string | undefined {
  const prefix = IMAGE_PREFIXES.find((p) => arg.startsWith(p));
  if (prefix === undefined) return undefined;
  const name = arg.slice(prefix.length);
  if (name === '') throw new SeccompGenError('USAGE', `${arg}: name the image after "${prefix}" (e.g. ${prefix}localhost/app:latest)`);
  return name;
}

/** An image's labels (none: {}); `source` names it in errors. */
export type ReadLabels = (image: string, source: string) => Record<string, string>;

/** The labels of a local image, as `podman image inspect` gives them. */
const podmanImageLabels: ReadLabels = (image, source) => {
  const r = spawnSync('podman', ['image', 'inspect', '--format', '{{json .Labels}}', '--', image], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new SeccompGenError('PROFILE', `${source}: cannot run podman to read the image's label (${code === 'ENOENT' ? 'podman is not installed' : (code ?? messageOf(r.error))})`);
  }
  if (r.status !== 0) {
    const why = r.stderr.trim().split('\n').pop()?.replace(/^Error: /, '') || `exit ${r.status ?? r.signal}`;
    throw new SeccompGenError('PROFILE', `${source}: podman image inspect: ${why}`);
  }
  let labels: unknown;
  try {
    labels = JSON.parse(r.stdout);
  } catch {
    throw new SeccompGenError('PROFILE', `${source}: podman image inspect gave no JSON labels`);
  }
  return typeof labels === 'object' && labels !== null && !Array.isArray(labels) ? (labels as Record<string, string>) : {};
};

/** The profile in the label of the image `arg` names (image:NAME). */
export function loadImageProfile(arg: string, readLabels: ReadLabels = podmanImageLabels): LoadedProfile {
  const image = imageName(arg);
  if (image === undefined) throw new Error(`${arg} does not name an image`);
  const text = readLabels(image, arg)[SECCOMP_PROFILE_LABEL];
  if (text === undefined || text === '') {
    throw new SeccompGenError('PROFILE', `${arg}: the image has no ${SECCOMP_PROFILE_LABEL} label (podman run --seccomp-policy=image refuses to start it; add one with seccomp-gen convert --to containerfile-label)`);
  }
  return profileFromLabel(text, `${arg} (label ${SECCOMP_PROFILE_LABEL})`);
}

/** A profile from a file, or from an image's label when the argument is image:NAME. */
export function loadProfileOrImage(arg: string, readLabels: ReadLabels = podmanImageLabels): LoadedProfile {
  return imageName(arg) === undefined ? loadProfile(arg) : loadImageProfile(arg, readLabels);
}
