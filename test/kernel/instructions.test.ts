/**
 * Each build of the recorder (abi.ts PROGRAMS) holds only instructions and helper calls that the
 * oldest kernel it is meant for accepts, read from the built object's ELF (bpf-elf.ts). 5.10's
 * verifier rejects an atomic fetch or or anywhere in a program, even where it could never run
 * ("BPF_STX uses reserved fields"), so it matters what each program contains, not only what its
 * branches reach. docs/kernels.md has the table of which kernel gets which build.
 */
import { describe, expect, it } from 'vitest';
import { PROGRAMS, PROGRAM_SECTION, RECORDER_ARCHES, objectFile, type ProgramBuild } from '../../src/kernel/abi.js';
import { elfPrograms, type Instruction } from './bpf-elf.js';

type Kernel = readonly [major: number, minor: number];
const newer = (a: Kernel, b: Kernel) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
const name = (k: Kernel) => `${k[0]}.${k[1]}`;

/** The oldest kernel each build is loaded on (features.ts buildFor chooses). */
const OLDEST: Record<ProgramBuild, Kernel> = { atomics: [5, 12], plainBtf: [5, 11], plain: [5, 8] };

/** BPF helpers by id, with the kernel they came in. A helper not listed here fails the test. */
const HELPERS: Record<number, readonly [string, Kernel]> = {
  1: ['bpf_map_lookup_elem', [3, 18]],
  35: ['bpf_get_current_task', [4, 8]],
  113: ['bpf_probe_read_kernel', [5, 5]],
  158: ['bpf_get_current_task_btf', [5, 11]],
};

const CLASS = { LD: 0, LDX: 1, ST: 2, STX: 3, ALU: 4, JMP: 5, JMP32: 6, ALU64: 7 };
const MODE_MEM = 0x60;
const MODE_ATOMIC = 0xc0; // BPF_XADD's value: with imm BPF_ADD (0) it is the old XADD
const BPF_CALL = 0x80;
const BPF_END = 0xd0;

/** The kernel an instruction needs, and why, beyond what every kernel since 5.1 verifies. */
function needs(insn: Instruction): [Kernel, string] | undefined {
  const cls = insn.opcode & 7;
  const op = insn.opcode & 0xf0;
  const mode = insn.opcode & 0xe0;
  if (cls === CLASS.STX && mode === MODE_ATOMIC && insn.imm !== 0) return [[5, 12], `atomic operation 0x${insn.imm.toString(16)} (fetch, or, and, xor, xchg, cmpxchg)`];
  if (cls === CLASS.LDX && mode !== MODE_MEM) return [[6, 6], 'sign-extending load (cpu v4)'];
  if ((cls === CLASS.ALU || cls === CLASS.ALU64) && insn.off !== 0) return [[6, 6], 'signed division or sign-extending move (cpu v4)'];
  if (cls === CLASS.ALU64 && op === BPF_END) return [[6, 6], 'unconditional byte swap (cpu v4)'];
  if (cls === CLASS.JMP32 && op === 0x00) return [[6, 6], 'gotol (cpu v4)'];
  if (cls === CLASS.JMP && op === BPF_CALL) {
    if (insn.src === 2) return [[5, 13], 'kfunc call'];
    if (insn.src === 0) {
      const helper = HELPERS[insn.imm];
      if (!helper) return [[99, 0], `helper ${insn.imm}, not in this test's table: add it with the kernel it came in`];
      return [helper[1], helper[0]];
    }
  }
  if (insn.opcode === 0x18 && insn.src >= 3) return [[5, 13], `ld_imm64 of kind ${insn.src} (BTF object or function)`];
  return undefined;
}

describe.each(RECORDER_ARCHES)('the builds of bpf/recorder.$name.bpf.o', ({ name: arch }) => {
  const programs = new Map(elfPrograms(objectFile(arch)).map((p) => [p.name, p]));

  it('are the programs the loader knows, all in the section it attaches', () => {
    expect([...programs.keys()].sort()).toEqual(Object.values(PROGRAMS).sort());
    for (const p of programs.values()) expect(p.section).toBe(PROGRAM_SECTION);
  });

  it.each(Object.entries(PROGRAMS) as [ProgramBuild, string][])('%s (%s) holds nothing newer than the oldest kernel it is loaded on', (build, program) => {
    const p = programs.get(program)!;
    const tooNew = p.instructions.flatMap((insn) => {
      const need = needs(insn);
      return need && newer(need[0], OLDEST[build]) ? [`${insn.index}: ${need[1]} needs ${name(need[0])}`] : [];
    });
    expect(tooNew, `${program} is loaded on ${name(OLDEST[build])}`).toEqual([]);
  });

  it('the build with atomics uses them, and the others only the non-fetching add every kernel has', () => {
    const atomics = (program: string) => programs.get(program)!.instructions.filter((i) => (i.opcode & 7) === CLASS.STX && (i.opcode & 0xe0) === MODE_ATOMIC);
    expect(atomics(PROGRAMS.atomics).some((i) => i.imm !== 0)).toBe(true);
    expect(atomics(PROGRAMS.plain).length).toBeGreaterThan(0); // the argument sets' claims
    expect(atomics(PROGRAMS.plain).every((i) => i.imm === 0)).toBe(true);
    expect(atomics(PROGRAMS.plainBtf).every((i) => i.imm === 0)).toBe(true);
  });

  it('only the builds for 5.11 and later call bpf_get_current_task_btf', () => {
    const calls = (program: string, id: number) => programs.get(program)!.instructions.some((i) => i.opcode === 0x85 && i.src === 0 && i.imm === id);
    expect(calls(PROGRAMS.atomics, 158)).toBe(true);
    expect(calls(PROGRAMS.plainBtf, 158)).toBe(true);
    expect(calls(PROGRAMS.plain, 158)).toBe(false);
    expect(calls(PROGRAMS.plain, 35)).toBe(true);
  });
});
