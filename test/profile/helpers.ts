/** Shared by the profile, toolkit and CLI tests: fixture paths and a small fake syscall table. */
import { fileURLToPath } from 'node:url';
import type { ScmpArch } from '../../src/syscalls/arches.js';
import type { SyscallTable } from '../../src/syscalls/table.js';
import { SeccompGenError } from '../../src/errors.js';

export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/profiles/${name}`, import.meta.url));

/** A table that knows a few names per arch; any other arch is unknown to it (like libseccomp). */
export function fakeTable(names: Record<string, string[]>, native: ScmpArch = 'SCMP_ARCH_X86_64'): SyscallTable {
  const arch = (a: string) => {
    const list = names[a];
    if (!list) throw new SeccompGenError('PROFILE', `libseccomp does not know the arch ${a}`);
    return list;
  };
  return {
    nativeArch: () => native,
    name: (a, nr) => arch(a)[nr],
    has: (a, n) => arch(a).includes(n),
    describe: () => 'fake libseccomp',
  };
}
