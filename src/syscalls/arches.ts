/**
 * Seccomp arch names as profiles spell them (SCMP_ARCH_X86_64) and as libseccomp does (x86_64),
 * and which arches the recorder's bitmap slots stand for on each kernel arch.
 */
export type ScmpArch = `SCMP_ARCH_${string}`;

/** "SCMP_ARCH_X86_64" → "x86_64", the name seccomp_arch_resolve_name() takes. */
export function libseccompArchName(arch: string): string {
  return arch.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

/** "x86_64" → "SCMP_ARCH_X86_64". */
export function scmpArchName(libseccompName: string): ScmpArch {
  return `SCMP_ARCH_${libseccompName.toUpperCase()}`;
}

/** Slot order of bpf/recorder.h: SG_ARCH_NATIVE, SG_ARCH_COMPAT, SG_ARCH_X32. */
export type ArchSlot = 'native' | 'compat' | 'x32';
export const ARCH_SLOTS: readonly ArchSlot[] = ['native', 'compat', 'x32'];

/** What each slot means for a native arch; a missing slot cannot occur on that arch. */
export const SLOT_ARCHES: Record<string, Partial<Record<ArchSlot, ScmpArch>>> = {
  SCMP_ARCH_X86_64: { native: 'SCMP_ARCH_X86_64', compat: 'SCMP_ARCH_X86', x32: 'SCMP_ARCH_X32' },
  SCMP_ARCH_AARCH64: { native: 'SCMP_ARCH_AARCH64', compat: 'SCMP_ARCH_ARM' },
};

/**
 * An arch's private calls numbered far above its table (ARM's __ARM_NR_BASE, 0xf0000: set_tls,
 * cacheflush…, which every 32-bit ARM program's libc calls at start): the recorder keeps call
 * base + i in the slot's number `slot` + i, at the top of its 1024 numbers (bpf/arch.h has these).
 */
export const PRIVATE_CALLS: Partial<Record<ScmpArch, { base: number; slot: number; count: number }>> = {
  SCMP_ARCH_ARM: { base: 0xf0000, slot: 1008, count: 16 },
};

/** A number as the recorder keeps it → the syscall's own number on `arch`. */
export function callNumber(arch: ScmpArch, recorded: number): number {
  const p = PRIVATE_CALLS[arch];
  return p && recorded >= p.slot && recorded < p.slot + p.count ? p.base + recorded - p.slot : recorded;
}
