/**
 * mount(8) and umount(8), which is how Node mounts (FFI stays in src/ffi/, for libbpf and
 * libseccomp). node:child_process is loaded only when one runs: a hook that mounts nothing does
 * not pay for it.
 */
import { createRequire } from 'node:module';

/** Run `cmd args`; throws an Error whose message is the command's own stderr when it fails. */
export function runMountCommand(cmd: 'mount' | 'umount', args: string[]): void {
  const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(stderr || (e as Error).message, { cause: e });
  }
}
