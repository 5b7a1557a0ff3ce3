/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ABI between recorder.bpf.c and the TypeScript side (src/kernel/abi.ts).
 * test/kernel/abi.test.ts parses these #defines and opens the built object to check
 * that both sides agree; change one side and that test says so.
 */
#ifndef SECCOMP_GEN_RECORDER_H
#define SECCOMP_GEN_RECORDER_H

/* Syscall numbers recorded per arch: x86_64 tops out near 470, ia32 near 470 too. */
#define SG_MAX_SYSCALLS 1024
#define SG_WORDS (SG_MAX_SYSCALLS / 64)

/* Index of a syscall's arch in the bitmap: native, 32-bit compat (ia32), x32 ABI. */
#define SG_ARCH_NATIVE 0
#define SG_ARCH_COMPAT 1
#define SG_ARCH_X32 2
#define SG_ARCHS 3

/* How a target is keyed: by PID namespace, or by mount namespace for --pid=host. */
#define SG_KEY_PIDNS 1
#define SG_KEY_MNTNS 2

/* Target flags. */
/* Record only while the task runs under a seccomp filter (SECCOMP_MODE_FILTER). Without it
 * (the container runs unconfined) everything the namespace runs is recorded. */
#define SG_FLAG_FILTERED_ONLY 0x1

/* How many PID namespace levels are walked up to find the container's (nested unshare -p). */
#define SG_MAX_PIDNS_DEPTH 8

/*
 * Targets live in an array of SG_SLOTS entries, found by open addressing: a namespace's slot is
 * sg_slot_of(inum), else one of the next ones, at most SG_PROBES. An array lookup is inlined by
 * the verifier; a hash map lookup cost ~55 ns per syscall here. A removed target's slot becomes a
 * tombstone (kind SG_KEY_TOMBSTONE) so that probe chains past it stay intact; user space turns
 * tombstones back into empty slots when the slot after them is empty (src/kernel/recorder.ts).
 * Size: 1,000 containers traced at once must always fit. With 1024 slots and 8 probes random
 * namespace numbers with churn were refused at a median of ~440 live targets; with 8192 slots
 * (load 0.12 at 1,000) and 16 probes, 300 simulated runs of 100,000 churning registrations never
 * refused below 1,500 (test/kernel/slots.test.ts). Untraced tasks mostly stop at the first,
 * empty, slot; the map is 8192 x 400 B = 3.2 MiB of kernel memory while anything is traced.
 */
#define SG_SLOT_BITS 13
#define SG_SLOTS (1 << SG_SLOT_BITS)
#define SG_PROBES 16
#define SG_KEY_TOMBSTONE 3 /* a removed target's slot; kind 0 is an empty slot */
#define SG_HASH_MULTIPLIER 2654435761u /* Knuth's multiplicative hash: 2^32 / golden ratio */

/* Map value: one slot, a traced container's when kind is SG_KEY_PIDNS or SG_KEY_MNTNS. */
struct sg_target {
	unsigned int kind; /* SG_KEY_*, SG_KEY_TOMBSTONE, or 0 for an empty slot */
	unsigned int inum; /* the namespace's inode number, as in /proc/PID/ns/{pid,mnt} */
	unsigned long long flags; /* SG_FLAG_*; 64-bit so the program can update it atomically on any BPF ISA */
	unsigned long long bits[SG_ARCHS][SG_WORDS];
};

/* Counts that let the hot path skip lookups nobody needs (one array entry, key 0). */
struct sg_counts {
	unsigned int mntns_targets;   /* targets keyed by mount namespace */
	unsigned int unfiltered_targets; /* targets without SG_FLAG_FILTERED_ONLY */
};

/* The first slot to probe for a namespace inode (mirrored in src/kernel/slots.ts). */
static inline unsigned int sg_slot_of(unsigned int inum)
{
	return (unsigned int)(inum * SG_HASH_MULTIPLIER) >> (32 - SG_SLOT_BITS);
}

#endif
