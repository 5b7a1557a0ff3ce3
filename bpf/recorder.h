/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ABI between recorder.bpf.c and the TypeScript side (src/kernel/abi.ts).
 * test/kernel/abi.test.ts parses these #defines and opens the built object to check
 * that both sides agree; change one side and that test says so.
 */
#ifndef SECCOMP_GEN_RECORDER_H
#define SECCOMP_GEN_RECORDER_H

/* Syscall numbers recorded per arch: x86_64, ia32, aarch64 and arm (EABI) all top out near 470
 * (arm's private calls from 0xf0000, e.g. set_tls, are not recorded). */
#define SG_MAX_SYSCALLS 1024
#define SG_WORDS (SG_MAX_SYSCALLS / 64)

/* Index of a syscall's arch in the bitmap: native, 32-bit compat (ia32; arm on arm64), x32 ABI (x86 only). */
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
 * namespace numbers with churn were refused at a median of ~440 live targets; with 4096 slots
 * (load 0.24 at 1,000) and 32 probes, 300 simulated runs of churning registrations refused none
 * up to 1,200 live (2 of 300 at 1,500; test/kernel/slots.test.ts holds 1,000). Untraced tasks
 * mostly stop at the first, empty, slot. A slot is 1488 B (bitmaps and argument sets): the map
 * is 4096 x 1488 B = 6.1 MiB of kernel memory while anything is traced (8192 slots would be 12);
 * on kernels without BPF atomics 5072 B (struct sg_plain added), 20.8 MiB.
 */
#define SG_SLOT_BITS 12
#define SG_SLOTS (1 << SG_SLOT_BITS)
#define SG_PROBES 32
#define SG_KEY_TOMBSTONE 3 /* a removed target's slot; kind 0 is an empty slot */
#define SG_HASH_MULTIPLIER 2654435761u /* Knuth's multiplicative hash: 2^32 / golden ratio */

/*
 * Argument recording (src/syscalls/argument-table.ts is the one table; the ABI test checks these
 * against it). One bounded set per syscall of the table, in ARGUMENT_SYSCALLS order; values of
 * every arch go to the same set (a profile's rules are per name, not per arch).
 */
#define SG_ARG_SOCKET 0
#define SG_ARG_SOCKETPAIR 1
#define SG_ARG_CLONE 2
#define SG_ARG_UNSHARE 3
#define SG_ARG_SETNS 4
#define SG_ARG_PERSONALITY 5
#define SG_ARG_IOCTL 6
#define SG_ARG_PRCTL 7
#define SG_ARG_SYSCALLS 8
/* Distinct values kept per syscall (MAX_RECORDED_VALUES); one more sets `overflow`. */
#define SG_ARG_VALUES 16
/* Set in every stored value, so that 0 means "not written yet". */
#define SG_ARG_PRESENT_BIT 63
/* The table's syscall numbers and argument registers per arch: bpf/arch.h (generated). */
/* clone/unshare keep only the OR of these namespace bits, in values[0]. */
#define SG_CLONE_NS_MASK 0x7e020000
#define SG_UNSHARE_NS_MASK 0x7e020080
/* socket/socketpair: family | type << 16 | netlink protocol << 32 (type without these flags). */
#define SG_SOCK_FLAGS 0x80800 /* SOCK_NONBLOCK | SOCK_CLOEXEC */
#define SG_AF_NETLINK 16

/*
 * What a build of the program may use (recorder.bpf.c has one program per kind of kernel, and
 * src/kernel/features.ts probes the kernel to choose; the table is in docs/kernels.md):
 *   SG_FEATURE_ATOMICS   BPF atomic fetch-and-add and or (5.12): a bit per syscall, set with an
 *                        atomic or; an argument value's slot claimed with a fetch-and-add.
 *                        Without: a byte per syscall, set with a plain store, and argument
 *                        slots claimed with the non-fetching atomic add every kernel has
 *                        (struct sg_plain, appended to the slot: the loader sets the map's value
 *                        size to sizeof(struct sg_plain_target)). Neither way loses a call or a
 *                        value to a concurrent writer.
 *   SG_FEATURE_TASK_BTF  bpf_get_current_task_btf (5.11): the task's fields read with plain
 *                        loads. Without: bpf_get_current_task and a probe read per field.
 */
#define SG_FEATURE_ATOMICS 0x1
#define SG_FEATURE_TASK_BTF 0x2

/* One syscall's recorded values. `count` may pass SG_ARG_VALUES under contention; without
 * atomics it is not kept. A value is there when its SG_ARG_PRESENT_BIT is set. */
struct sg_argset {
	unsigned int count;
	unsigned int overflow; /* a value did not fit: the profile falls back to the tracing filter */
	unsigned long long values[SG_ARG_VALUES];
};

/* Map value: one slot, a traced container's when kind is SG_KEY_PIDNS or SG_KEY_MNTNS. */
struct sg_target {
	unsigned int kind; /* SG_KEY_*, SG_KEY_TOMBSTONE, or 0 for an empty slot */
	unsigned int inum; /* the namespace's inode number, as in /proc/PID/ns/{pid,mnt} */
	unsigned long long flags; /* SG_FLAG_*; 64-bit so the program can update it atomically on any BPF ISA */
	unsigned long long bits[SG_ARCHS][SG_WORDS];
	struct sg_argset args[SG_ARG_SYSCALLS]; /* appended: the fields above keep their offsets */
};

/*
 * What a slot holds in addition on kernels without atomics (after struct sg_target): a byte per
 * syscall, and per argument set how many writers claimed each of its slots (only the one that
 * saw its own claim as the first, 1, writes the value there; the others try the next slot).
 */
struct sg_plain {
	unsigned char seen[SG_ARCHS][SG_MAX_SYSCALLS];
	unsigned int claims[SG_ARG_SYSCALLS][SG_ARG_VALUES];
};

struct sg_plain_target {
	struct sg_target target;
	struct sg_plain plain;
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
