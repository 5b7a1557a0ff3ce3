/**
 * The C/TypeScript ABI: bpf/recorder.h's #defines against src/kernel/abi.ts, and the built
 * object's maps and program against both. The object is only opened (parsed by libbpf), never
 * loaded: no root, no kernel involvement.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as abi from '../../src/kernel/abi.js';
import { RECORDER_ARCHES } from '../../src/kernel/abi.js';
import { ARCH_SLOTS } from '../../src/syscalls/arches.js';
import { BpfObject } from '../../src/ffi/libbpf.js';
import { slotOf } from '../../src/kernel/slots.js';
import { archToken, syscallName } from '../../src/ffi/libseccomp.js';
import { AF_NETLINK, ARGUMENT_SYSCALLS, SOCK_CLOEXEC, SOCK_NONBLOCK, argumentSyscall } from '../../src/syscalls/argument-table.js';

const BPF_DIR = fileURLToPath(new URL('../../bpf/', import.meta.url));
const HEADER = `${BPF_DIR}recorder.h`;

/** Every `#define SG_NAME value` of the header, values evaluated (they may use earlier ones). */
function headerDefines(): Map<string, number> {
  const defines = new Map<string, number>();
  for (const m of readFileSync(HEADER, 'utf8').matchAll(/^#define\s+(SG_\w+)\s+(.+?)\s*$/gm)) {
    const [, name, raw] = m as unknown as [string, string, string];
    const expr = raw
      .replace(/\/\*.*?\*\//g, '')
      .replace(/\bSG_\w+\b/g, (ref) => {
        const v = defines.get(ref);
        if (v === undefined) throw new Error(`${HEADER}: ${name} uses ${ref} before it is defined`);
        return String(v);
      })
      .replace(/\b(\d+)[uUlL]+\b/g, '$1')
      .trim();
    if (!/^[\s\d()+\-*/<>|&x0-9a-fA-F]+$/.test(expr)) throw new Error(`${HEADER}: cannot evaluate ${name} = ${raw}`);
    defines.set(name, Number(new Function(`return (${expr});`)()));
  }
  return defines;
}

/** What each #define must equal on the TypeScript side. */
const EXPECTED: Record<string, number | bigint> = {
  SG_MAX_SYSCALLS: abi.MAX_SYSCALLS,
  SG_WORDS: abi.WORDS,
  SG_ARCHS: abi.ARCHS,
  SG_ARCH_NATIVE: ARCH_SLOTS.indexOf('native'),
  SG_ARCH_COMPAT: ARCH_SLOTS.indexOf('compat'),
  SG_ARCH_X32: ARCH_SLOTS.indexOf('x32'),
  SG_KEY_PIDNS: abi.KEY_PIDNS,
  SG_KEY_MNTNS: abi.KEY_MNTNS,
  SG_FLAG_FILTERED_ONLY: abi.FLAG_FILTERED_ONLY,
  SG_KEY_TOMBSTONE: abi.KEY_TOMBSTONE,
  SG_SLOT_BITS: abi.SLOT_BITS,
  SG_SLOTS: abi.SLOTS,
  SG_PROBES: abi.PROBES,
  SG_HASH_MULTIPLIER: abi.HASH_MULTIPLIER,
  SG_FEATURE_ATOMICS: abi.FEATURE_ATOMICS,
  SG_FEATURE_TASK_BTF: abi.FEATURE_TASK_BTF,
};
/**
 * The argument table (src/syscalls/argument-table.ts) against the header: the set of each
 * syscall, the masks and flags (its numbers per arch are bpf/arch.h's, checked below).
 */
const upper = (name: string) => name.toUpperCase();
for (const [i, s] of ARGUMENT_SYSCALLS.entries()) EXPECTED[`SG_ARG_${upper(s.name)}`] = i;
Object.assign(EXPECTED, {
  SG_ARG_SYSCALLS: abi.ARG_SYSCALLS,
  SG_ARG_VALUES: abi.ARG_VALUES,
  SG_ARG_PRESENT_BIT: abi.ARG_PRESENT_BIT,
  SG_CLONE_NS_MASK: argumentSyscall('clone')!.mask!,
  SG_UNSHARE_NS_MASK: argumentSyscall('unshare')!.mask!,
  SG_SOCK_FLAGS: SOCK_NONBLOCK | SOCK_CLOEXEC,
  SG_AF_NETLINK: AF_NETLINK,
});

/** #defines only the BPF program uses. A new #define must be added to one list or the other. */
const KERNEL_ONLY = new Set(['SG_MAX_PIDNS_DEPTH']);

describe('bpf/recorder.h against src/kernel/abi.ts', () => {
  const defines = headerDefines();

  it('parses the header', () => {
    expect(defines.size).toBeGreaterThanOrEqual(Object.keys(EXPECTED).length);
  });

  it('every #define SG_* has its TypeScript counterpart, or is declared kernel-only', () => {
    const unclassified = [...defines.keys()].filter((n) => !(n in EXPECTED) && !KERNEL_ONLY.has(n));
    expect(unclassified, 'add these to EXPECTED (with the abi.ts constant) or KERNEL_ONLY').toEqual([]);
    const missing = Object.keys(EXPECTED).filter((n) => !defines.has(n));
    expect(missing, 'abi.ts expects these in recorder.h').toEqual([]);
  });

  it.each(Object.entries(EXPECTED))('%s', (name, value) => {
    const c = defines.get(name);
    expect(typeof value === 'bigint' ? BigInt(c ?? -1) : c).toBe(value);
  });

  it('the sizes follow from the struct layouts', () => {
    // the targets map is an array: a u32 slot index
    expect(abi.KEY_SIZE).toBe(4);
    // struct sg_target { u32 kind; u32 inum; u64 flags; u64 bits[SG_ARCHS][SG_WORDS]; struct sg_argset args[SG_ARG_SYSCALLS]; }
    // struct sg_argset { u32 count; u32 overflow; u64 values[SG_ARG_VALUES]; }
    const argset = 4 + 4 + defines.get('SG_ARG_VALUES')! * 8;
    expect(abi.ARGSET_SIZE).toBe(argset);
    expect(abi.TARGET_SIZE).toBe(4 + 4 + 8 + defines.get('SG_ARCHS')! * defines.get('SG_WORDS')! * 8 + defines.get('SG_ARG_SYSCALLS')! * argset);
    // struct sg_counts { u32 mntns_targets; u32 unfiltered_targets; }
    expect(abi.COUNTS_SIZE).toBe(2 * 4);
    expect(abi.WORDS * 64).toBe(abi.MAX_SYSCALLS);
  });
});

describe('the struct layouts of recorder.h, compiled with gcc, and the sizes in abi.ts', () => {
  it('sg_target, sg_plain_target and the offsets the codec reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-layout-'));
    try {
      const facts = ['sizeof(struct sg_target)', 'sizeof(struct sg_plain_target)', 'offsetof(struct sg_target, args)', 'offsetof(struct sg_plain_target, plain.seen)', 'sizeof(struct sg_argset)', 'sizeof(struct sg_counts)'];
      writeFileSync(join(dir, 'layout.c'), `#include <stdio.h>\n#include <stddef.h>\n#include "recorder.h"\nint main(void) {\n${facts.map((f) => `  printf("%zu\\n", ${f});`).join('\n')}\n  return 0;\n}\n`);
      execFileSync('gcc', ['-I', BPF_DIR, '-o', join(dir, 'layout'), join(dir, 'layout.c')]);
      const fromC = execFileSync(join(dir, 'layout'), { encoding: 'utf8' }).trim().split('\n').map(Number);
      expect(fromC).toEqual([abi.TARGET_SIZE, abi.PLAIN_TARGET_SIZE, abi.ARGS_OFFSET, abi.SEEN_OFFSET, abi.ARGSET_SIZE, abi.COUNTS_SIZE]);
      expect(abi.TARGET_SIZES).toEqual([abi.TARGET_SIZE, abi.PLAIN_TARGET_SIZE]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sg_slot_of() in recorder.h and slotOf() in src/kernel/slots.ts', () => {
  it('put every namespace in the same slot (the C function compiled with gcc)', () => {
    const inums = [0, 1, 2, 1023, 1024, 65535, 4026531836, 4026531840, 4026532201, 4026532999, 0xfffffffe, 0xffffffff];
    const dir = mkdtempSync(join(tmpdir(), 'sg-slot-'));
    try {
      writeFileSync(
        join(dir, 'slot.c'),
        `#include <stdio.h>\n#include "recorder.h"\nint main(void) {\n${inums.map((n) => `  printf("%u\\n", sg_slot_of(${n}u));`).join('\n')}\n  return 0;\n}\n`,
      );
      execFileSync('gcc', ['-I', BPF_DIR, '-o', join(dir, 'slot'), join(dir, 'slot.c')]);
      const fromC = execFileSync(join(dir, 'slot'), { encoding: 'utf8' }).trim().split('\n').map(Number);
      expect(inums.map(slotOf)).toEqual(fromC);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the recorder object of this machine\'s arch', () => {
  it('is the one of process.arch; an arch without one is a clear error', () => {
    expect(abi.objectPath('x64')).toBe(abi.objectFile('x86_64'));
    expect(abi.objectPath('arm64')).toBe(abi.objectFile('aarch64'));
    expect(() => abi.objectPath('riscv64')).toThrow("no recorder for this machine's arch riscv64: seccomp-gen is built for x64 and arm64");
  });
});

describe.each(RECORDER_ARCHES)('the built object bpf/recorder.$name.bpf.o', ({ name }) => {
  let obj: BpfObject;
  const path = abi.objectFile(name);

  beforeAll(() => {
    if (!existsSync(path)) {
      throw new Error(`${path} is missing: run npm run build`);
    }
    const built = statSync(path).mtimeMs;
    const newer = ['recorder.bpf.c', 'recorder.h', 'arch.h', 'core.h'].filter((f) => statSync(BPF_DIR + f).mtimeMs > built);
    if (newer.length) throw new Error(`${path} is older than ${newer.join(', ')}: run npm run build`);
    obj = BpfObject.open(path);
  });
  afterAll(() => obj?.close());
  it.each(Object.values(abi.PROGRAMS))(`has the program %s in section ${abi.PROGRAM_SECTION}`, (name) => {
    expect(obj.program(name).section).toBe(abi.PROGRAM_SECTION);
  });

  it(`has the map ${abi.TARGETS_MAP}: an array of SLOTS entries of TARGET_SIZE`, () => {
    const map = obj.map(abi.TARGETS_MAP);
    expect(map.keySize).toBe(abi.KEY_SIZE);
    expect(map.valueSize).toBe(abi.TARGET_SIZE);
    expect(map.maxEntries).toBe(abi.SLOTS);
    expect(map.type).toBe(2); // BPF_MAP_TYPE_ARRAY
  });

  it(`has the map ${abi.COUNTS_MAP}: one array entry of COUNTS_SIZE under a u32 key`, () => {
    const map = obj.map(abi.COUNTS_MAP);
    expect(map.keySize).toBe(4);
    expect(map.valueSize).toBe(abi.COUNTS_SIZE);
    expect(map.maxEntries).toBe(1);
    expect(map.type).toBe(2); // BPF_MAP_TYPE_ARRAY
  });

  it('says clearly when a map or program is not there', () => {
    expect(() => obj.map('sg_nope')).toThrow('BPF object has no map "sg_nope"');
    expect(() => obj.program('nope')).toThrow('BPF object has no program "nope"');
  });
});
