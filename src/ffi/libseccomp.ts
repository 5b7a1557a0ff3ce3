/**
 * libseccomp through koffi: the only file that calls it. Syscall names and numbers come from
 * the same library that runc and crun use to build the filter, so a name we write is a name
 * they accept.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { SeccompGenError, messageOf } from '../errors.js';

interface Bindings {
  archNative: () => number;
  archResolveName: (name: string) => number;
  resolveNum: (arch: number, nr: number) => string | null;
  resolveName: (arch: number, name: string) => number;
  version: () => { major: number; minor: number; micro: number };
}

let bindings: Bindings | undefined;

function lib(): Bindings {
  if (bindings) return bindings;
  let l: LibraryHandle;
  try {
    l = koffi.load('libseccomp.so.2');
  } catch (e) {
    throw new SeccompGenError(
      'LIBRARY',
      `cannot load libseccomp.so.2 (${messageOf(e)}): install libseccomp2 (apt-get install libseccomp2)`,
    );
  }
  const version = koffi.struct('scmp_version', { major: 'uint', minor: 'uint', micro: 'uint' });
  const versionFn = l.func('const scmp_version *seccomp_version(void)');
  bindings = {
    archNative: l.func('uint32_t seccomp_arch_native(void)'),
    archResolveName: l.func('uint32_t seccomp_arch_resolve_name(const char *name)'),
    // The returned name is malloc'ed by libseccomp: '!' makes koffi free it after copying.
    resolveNum: l.func('char *! seccomp_syscall_resolve_num_arch(uint32_t arch, int num)'),
    resolveName: l.func('int seccomp_syscall_resolve_name_arch(uint32_t arch, const char *name)'),
    version: () => koffi.decode(versionFn(), version),
  };
  return bindings;
}

/** libseccomp's token for an arch given by its libseccomp name ("x86_64", "x86", "aarch64"…), 0 if unknown. */
export function archToken(name: string): number {
  return lib().archResolveName(name);
}

export function nativeArchToken(): number {
  return lib().archNative();
}

/** The name of syscall `nr` on `arch`, or null when libseccomp does not know it. */
export function syscallName(arch: number, nr: number): string | null {
  return lib().resolveNum(arch, nr);
}

/**
 * The number of `name` on `arch`: >= 0 a real syscall, < -1 a name libseccomp knows but this
 * arch lacks (a "pseudo-syscall"), -1 (__NR_SCMP_ERROR) a name it does not know at all.
 */
export function syscallNumber(arch: number, name: string): number {
  return lib().resolveName(arch, name);
}

export function libseccompVersion(): string {
  const v = lib().version();
  return `${v.major}.${v.minor}.${v.micro}`;
}
