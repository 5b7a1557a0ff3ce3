/**
 * Syscall numbers ↔ names, behind a small interface so profile logic can be tested with a fake
 * table; `libseccompTable()` is the real one.
 */
import { archToken, libseccompVersion, nativeArchToken, syscallName, syscallNumber } from '../ffi/libseccomp.js';
import { SeccompGenError } from '../errors.js';
import { libseccompArchName, scmpArchName, type ScmpArch } from './arches.js';

export interface SyscallTable {
  /** The arch this machine runs natively, e.g. SCMP_ARCH_X86_64. */
  nativeArch(): ScmpArch;
  /** The name of `nr` on `arch`, or undefined when the table does not know it. */
  name(arch: ScmpArch, nr: number): string | undefined;
  /** True when `name` is a syscall the table knows on `arch`. */
  has(arch: ScmpArch, name: string): boolean;
  /** Which table this is, for messages ("libseccomp 2.5.4"). */
  describe(): string;
}

const KNOWN_ARCHES = ['x86_64', 'x86', 'x32', 'aarch64', 'arm', 'riscv64', 'ppc64le', 's390x', 'mips64', 'mipsel64'];

export function libseccompTable(): SyscallTable {
  const tokens = new Map<ScmpArch, number>();
  const token = (arch: ScmpArch): number => {
    let t = tokens.get(arch);
    if (t === undefined) {
      t = archToken(libseccompArchName(arch));
      if (t === 0) throw new SeccompGenError('PROFILE', `libseccomp does not know the arch ${arch}`);
      tokens.set(arch, t);
    }
    return t;
  };
  let native: ScmpArch | undefined;
  return {
    nativeArch() {
      if (native) return native;
      const t = nativeArchToken();
      const name = KNOWN_ARCHES.find((a) => archToken(a) === t);
      if (!name) throw new SeccompGenError('LIBRARY', `libseccomp reports a native arch this tool does not know (0x${t.toString(16)})`);
      native = scmpArchName(name);
      return native;
    },
    name(arch, nr) {
      return syscallName(token(arch), nr) ?? undefined;
    },
    has(arch, name) {
      return syscallNumber(token(arch), name) >= 0;
    },
    describe() {
      return `libseccomp ${libseccompVersion()}`;
    },
  };
}

/**
 * The number of syscall `name` on `arch` by libseccomp's table, or undefined when the arch has no
 * such syscall. By name back from the number: libseccomp resolves some names to a multiplexer's
 * pseudo-number (ia32's socket to socketcall's), not the syscall's own (359).
 */
export function syscallNumberOf(arch: ScmpArch, name: string, below = 1024): number | undefined {
  const t = archToken(libseccompArchName(arch));
  if (t === 0) throw new SeccompGenError('PROFILE', `libseccomp does not know the arch ${arch}`);
  const direct = syscallNumber(t, name);
  if (direct >= 0 && direct < below) return direct;
  for (let nr = 0; nr < below; nr++) if (syscallName(t, nr) === name) return nr;
  return undefined;
}
