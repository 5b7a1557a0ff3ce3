/**
 * The programs of a BPF object file, read straight from its ELF (no libbpf): each function symbol
 * of a program section with its raw instructions, as clang wrote them. The instruction checks
 * (instructions.test.ts) look at the encoding the kernel will be given.
 */
import { readFileSync } from 'node:fs';

export interface Instruction {
  index: number;
  opcode: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export interface ElfProgram {
  name: string;
  section: string;
  instructions: Instruction[];
}

interface Section {
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
}

function sections(elf: Buffer): Section[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new Error('not a 64-bit little-endian ELF file');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return { nameAt: elf.readUInt32LE(at), type: elf.readUInt32LE(at + 4), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)), link: elf.readUInt32LE(at + 0x28) };
  });
  const names = raw[shstrndx]!;
  const cstr = (base: number, at: number) => elf.toString('latin1', base + at, elf.indexOf(0, base + at));
  return raw.map((s) => ({ name: cstr(names.offset, s.nameAt), type: s.type, offset: s.offset, size: s.size, link: s.link }));
}

const SHT_SYMTAB = 2;
const STT_FUNC = 2;

export function elfPrograms(path: string): ElfProgram[] {
  const elf = readFileSync(path);
  const all = sections(elf);
  const symtab = all.find((s) => s.type === SHT_SYMTAB);
  if (!symtab) throw new Error(`${path}: no symbol table`);
  const strtab = all[symtab.link]!;
  const out: ElfProgram[] = [];
  for (let at = symtab.offset; at < symtab.offset + symtab.size; at += 24) {
    const info = elf[at + 4]!;
    const shndx = elf.readUInt16LE(at + 6);
    if ((info & 0xf) !== STT_FUNC || shndx === 0 || shndx >= all.length) continue;
    const section = all[shndx]!;
    const name = elf.toString('latin1', strtab.offset + elf.readUInt32LE(at), elf.indexOf(0, strtab.offset + elf.readUInt32LE(at)));
    const value = Number(elf.readBigUInt64LE(at + 8));
    const size = Number(elf.readBigUInt64LE(at + 16));
    const code = elf.subarray(section.offset + value, section.offset + value + size);
    const instructions: Instruction[] = [];
    for (let i = 0; i < code.length; i += 8) {
      instructions.push({ index: i / 8, opcode: code[i]!, dst: code[i + 1]! & 0xf, src: code[i + 1]! >> 4, off: code.readInt16LE(i + 2), imm: code.readInt32LE(i + 4) });
    }
    out.push({ name, section: section.name, instructions });
  }
  return out;
}
