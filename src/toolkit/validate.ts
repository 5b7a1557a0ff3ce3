/**
 * validate: a profile is valid when it has the profile's shape (every problem listed, each
 * pointing at its place) and every syscall name is one libseccomp knows on at least one of the
 * profile's arches (the native arch when it lists none). An unknown name is an error with the
 * nearest known name as a suggestion: a typo there silently allows nothing (runc and crun skip
 * names they cannot resolve). Not errors, but said:
 * - a name that is a syscall only on arches the profile does not list (chown32 in an x86_64-only
 *   profile): it has no effect;
 * - a newer syscall this libseccomp does not know yet (DESIGN: 2.5.4 stops around nr 455):
 *   runtimes built with it skip the name, one built with a newer libseccomp applies it;
 * - an arch this libseccomp does not know: its names cannot be checked;
 * - argument conditions that do not do what they seem to (validate-args.ts).
 * libseccomp is reached only through the SyscallTable interface, so tests can use a fake.
 */
import { isSeccompGenError } from '../errors.js';
import { isObject } from '../io/shape.js';
import type { ScmpArch } from '../syscalls/arches.js';
import type { SyscallTable } from '../syscalls/table.js';
import type { LoadedProfile } from './model.js';
import { parseProfileText } from './load.js';
import { normalizeDocument, profileIssues } from './normalize.js';
import { readRegularFile } from '../io/json-file.js';
import { closest } from './suggest.js';
import { argumentWarnings } from './validate-args.js';

/** Syscalls newer than some libseccomp releases still in use (kernel 5.17 and later). */
const NEWER_SYSCALLS: readonly string[] = [
  'set_mempolicy_home_node', 'cachestat', 'fchmodat2', 'map_shadow_stack', 'futex_wake', 'futex_wait',
  'futex_requeue', 'statmount', 'listmount', 'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules',
  'mseal', 'setxattrat', 'getxattrat', 'listxattrat', 'removexattrat', 'open_tree_attr', 'file_getattr',
  'file_setattr', 'uretprobe', 'uprobe', 'riscv_hwprobe',
];

/** Every arch a profile might list: a name that is a syscall on none of them is no syscall. */
const ALL_ARCHES: readonly ScmpArch[] = [
  'SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC', 'SCMP_ARCH_S390X', 'SCMP_ARCH_S390', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_LOONGARCH64',
];

export interface Validation {
  source: string;
  valid: boolean;
  /** Each one line, naming the file and the place. */
  errors: string[];
  warnings: string[];
  loaded?: LoadedProfile;
}

/** has() that says "unknown arch" (undefined) instead of throwing. */
function knows(table: SyscallTable, arch: ScmpArch, name: string): boolean | undefined {
  try {
    return table.has(arch, name);
  } catch (e) {
    if (isSeccompGenError(e)) return undefined;
    throw e;
  }
}

/** The names a table knows on some arches, for suggestions (syscall numbers are dense below 1024). */
function knownNames(table: SyscallTable, arches: readonly ScmpArch[]): Set<string> {
  const names = new Set<string>(NEWER_SYSCALLS);
  for (const arch of arches) {
    const numbers = Array.from({ length: 1024 }, (_, i) => i);
    if (arch === 'SCMP_ARCH_X32') numbers.push(...numbers.map((n) => n + 0x40000000));
    if (arch === 'SCMP_ARCH_ARM') numbers.push(0xf0001, 0xf0002, 0xf0003, 0xf0004, 0xf0005);
    for (const nr of numbers) {
      try {
        const name = table.name(arch, nr);
        if (name) names.add(name);
      } catch {
        break; // an arch the table does not know
      }
    }
  }
  return names;
}

function archesOf(loaded: LoadedProfile): { arch: string; at: string }[] {
  const p = loaded.profile;
  const pre = loaded.prefix;
  if (p.archMap) {
    return p.archMap.flatMap((e, i) => [
      { arch: e.architecture, at: `${pre}archMap[${i}].architecture` },
      ...e.subArchitectures.map((s, j) => ({ arch: s, at: `${pre}archMap[${i}].subArchitectures[${j}]` })),
    ]);
  }
  return (p.architectures ?? []).map((arch, i) => ({ arch, at: `${pre}architectures[${i}]` }));
}

/** Check the names of an already loaded profile. */
export function checkNames(loaded: LoadedProfile, table: SyscallTable, source: string): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const arches: ScmpArch[] = [];
  for (const { arch, at } of archesOf(loaded)) {
    if (!/^SCMP_ARCH_[A-Z0-9_]+$/.test(arch)) {
      errors.push(`${source}: ${at}: unknown architecture "${arch}" (arches are spelt like SCMP_ARCH_X86_64)`);
    } else if (knows(table, arch as ScmpArch, 'read') === undefined) {
      warnings.push(`${source}: ${at}: ${table.describe()} does not know ${arch}: names are not checked for it`);
    } else if (!arches.includes(arch as ScmpArch)) {
      arches.push(arch as ScmpArch);
    }
  }
  if (arches.length === 0 && archesOf(loaded).length === 0) arches.push(table.nativeArch());
  let suggestions: Set<string> | undefined;

  const rules = loaded.raw['syscalls'];
  (Array.isArray(rules) ? rules : []).forEach((rule, i) => {
    if (!isObject(rule)) return;
    const at = `${loaded.prefix}syscalls[${i}]`;
    const named: { name: string; at: string }[] = [];
    if (Array.isArray(rule['names'])) rule['names'].forEach((n, j) => typeof n === 'string' && named.push({ name: n, at: `${at}.names[${j}]` }));
    if (typeof rule['name'] === 'string') named.push({ name: rule['name'], at: `${at}.name` });
    for (const { name, at: where } of named) {
      if (arches.some((a) => knows(table, a, name))) continue;
      const elsewhere = ALL_ARCHES.filter((a) => !arches.includes(a) && knows(table, a, name));
      if (elsewhere.length) {
        warnings.push(`${source}: ${where}: "${name}" is a syscall only on ${elsewhere.join(', ')}, which the profile does not list: it has no effect`);
      } else if (NEWER_SYSCALLS.includes(name)) {
        warnings.push(`${source}: ${where}: "${name}" is newer than ${table.describe()}: runtimes using it skip the name`);
      } else {
        suggestions ??= knownNames(table, [...new Set([...arches, table.nativeArch()])]);
        const near = closest(name, suggestions);
        errors.push(`${source}: ${where}: unknown syscall "${name}"${near ? ` (did you mean "${near}"?)` : ''}`);
      }
    }
  });
  return { errors, warnings };
}

/** Validate one file. Never throws for a problem of the file: it is reported. */
export function validateFile(path: string, table: SyscallTable): Validation {
  let data: unknown;
  try {
    data = parseProfileText(readRegularFile(path), path);
  } catch (e) {
    if (!isSeccompGenError(e)) throw e;
    return { source: path, valid: false, errors: [e.message], warnings: [] };
  }
  let loaded: LoadedProfile;
  try {
    loaded = normalizeDocument(data, path);
  } catch (e) {
    if (!isSeccompGenError(e)) throw e;
    let issues: string[] = [];
    try {
      issues = profileIssues(data, path);
    } catch {
      /* the first error says it */
    }
    const errors = issues.length ? issues.map((i) => `${path}: ${i}`) : [e.message];
    return { source: path, valid: false, errors, warnings: [] };
  }
  const { errors, warnings } = checkNames(loaded, table, path);
  return { source: path, valid: errors.length === 0, errors, warnings: [...loaded.warnings, ...warnings, ...argumentWarnings(loaded, path)], loaded };
}

