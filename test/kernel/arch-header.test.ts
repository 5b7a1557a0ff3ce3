/**
 * bpf/arch.h against the tables it is generated from (src/kernel/arch-header.ts): the file is what
 * they make now, each syscall number is the one libseccomp names so on its arch, and bpf/Makefile
 * builds an object for each arch of RECORDER_ARCHES.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RECORDER_ARCHES } from '../../src/kernel/abi.js';
import { archHeader } from '../../src/kernel/arch-header.js';
import { archToken, syscallName } from '../../src/ffi/libseccomp.js';
import { ARGUMENT_SYSCALLS } from '../../src/syscalls/argument-table.js';
import { SLOT_ARCHES, libseccompArchName } from '../../src/syscalls/arches.js';
import { syscallNumberOf } from '../../src/syscalls/table.js';

const BPF_DIR = fileURLToPath(new URL('../../bpf/', import.meta.url));

describe('bpf/arch.h, generated from the tables', () => {
  const text = readFileSync(`${BPF_DIR}arch.h`, 'utf8');

  it('is what scripts/gen-arch-h.mjs makes from them now (else: npm run build:ts && npm run gen:arch-h)', () => {
    expect(text).toBe(archHeader(syscallNumberOf));
  });

  /** The X(NAME, nr) pairs of SG_<SLOT>_NRS in the block of one __TARGET_ARCH_. */
  const numbers = (target: string, slot: string) => {
    const block = text.split(/^#(?:el)?if /m).find((b) => b.startsWith(`defined(__TARGET_ARCH_${target})`))!;
    const line = block.split('\n').find((l) => l.startsWith(`#define SG_${slot}_NRS(X)`))!;
    return [...line.matchAll(/X\((\w+), (\d+)\)/g)].map((m) => [m[1]!.toLowerCase(), Number(m[2])] as const);
  };
  it.each(RECORDER_ARCHES.flatMap((a) => (['native', 'compat'] as const).map((slot) => ({ ...a, slot, scmp: SLOT_ARCHES[a.native]![slot]! }))))(
    '$target $slot ($scmp): every syscall of the argument table, by the number libseccomp gives its name',
    ({ target, slot, scmp }) => {
      const pairs = numbers(target, slot.toUpperCase());
      expect(pairs.map(([name]) => name)).toEqual(ARGUMENT_SYSCALLS.map((s) => s.name));
      for (const [name, nr] of pairs) expect(syscallName(archToken(libseccompArchName(scmp)), nr)).toBe(name);
    },
  );

  it('bpf/Makefile builds an object for each arch of RECORDER_ARCHES, with its __TARGET_ARCH_', () => {
    const makefile = readFileSync(`${BPF_DIR}Makefile`, 'utf8');
    for (const a of RECORDER_ARCHES) {
      expect(makefile).toContain(`recorder.${a.name}.bpf.o`);
      expect(makefile).toMatch(new RegExp(`^TARGET_ARCH_${a.name} = ${a.target}$`, 'm'));
    }
  });
});

