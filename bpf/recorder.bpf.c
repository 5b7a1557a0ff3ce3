// SPDX-License-Identifier: GPL-2.0
/*
 * One program for every traced container: on each syscall entry, find whether the calling
 * task belongs to a traced namespace and, if so, set the syscall's bit in that target's bitmap.
 * No events leave the kernel, so nothing can be lost; user space reads the bitmap when the
 * container stops. Keep the path for untraced tasks short: it runs on every syscall of the host.
 *
 * The program comes in three builds of the same code, one per kind of kernel (recorder.h
 * SG_FEATURE_*, docs/kernels.md); the loader loads the one this kernel can run and leaves the
 * others out. Separate programs, not one with branches the verifier prunes: 5.10 refuses an
 * atomic fetch or or anywhere in a program it is given, before it looks for dead code.
 */
#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "recorder.h"
#include "arch.h"

char LICENSE[] SEC("license") = "GPL";

/* Whether this build may use a feature: a constant in each program, so the compiler keeps one path. */
#define has(f, feature) ((f) & (feature))

/* The value size is not fixed by a BTF type: for the builds without atomics the loader makes it
 * sizeof(struct sg_plain_target) (recorder.h), and the verifier checks every access against it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_SLOTS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct sg_target));
} sg_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_counts);
} sg_counts SEC(".maps");

/*
 * The current task's fields. With bpf_get_current_task_btf the task is a BTF pointer, read with
 * plain loads; without it (before 5.11) each field costs a probe read. Both give the same values.
 */
static __always_inline struct task_struct *current_task(const __u32 f)
{
	if (has(f, SG_FEATURE_TASK_BTF))
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline int seccomp_mode_of(const __u32 f, struct task_struct *task)
{
	return has(f, SG_FEATURE_TASK_BTF) ? task->seccomp.mode : BPF_CORE_READ(task, seccomp.mode);
}

/* Whether the task runs a 32-bit compat syscall: x86 TS_COMPAT in thread_info.status (set for the
 * call, so a 64-bit task's int 0x80 counts), arm64 TIF_32BIT in thread_info.flags (an AArch32 task). */
static __always_inline int compat_of(const __u32 f, struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86)
	return (has(f, SG_FEATURE_TASK_BTF) ? task->thread_info.status : BPF_CORE_READ(task, thread_info.status)) & SG_TS_COMPAT;
#else
	return ((has(f, SG_FEATURE_TASK_BTF) ? task->thread_info.flags : BPF_CORE_READ(task, thread_info.flags)) >> SG_TIF_32BIT) & 1;
#endif
}

static __always_inline struct pid *thread_pid_of(const __u32 f, struct task_struct *task)
{
	return has(f, SG_FEATURE_TASK_BTF) ? task->thread_pid : BPF_CORE_READ(task, thread_pid);
}

static __always_inline unsigned int pid_level_of(const __u32 f, struct pid *pid)
{
	return has(f, SG_FEATURE_TASK_BTF) ? pid->level : BPF_CORE_READ(pid, level);
}

static __always_inline struct pid_namespace *children_ns_of(const __u32 f, struct task_struct *task)
{
	return has(f, SG_FEATURE_TASK_BTF) ? task->nsproxy->pid_ns_for_children : BPF_CORE_READ(task, nsproxy, pid_ns_for_children);
}

static __always_inline unsigned int ns_level_of(const __u32 f, struct pid_namespace *ns)
{
	return has(f, SG_FEATURE_TASK_BTF) ? ns->level : BPF_CORE_READ(ns, level);
}

static __always_inline unsigned int ns_inum_of(const __u32 f, struct pid_namespace *ns)
{
	return has(f, SG_FEATURE_TASK_BTF) ? ns->ns.inum : BPF_CORE_READ(ns, ns.inum);
}

static __always_inline unsigned int mnt_ns_inum_of(const __u32 f, struct task_struct *task)
{
	return has(f, SG_FEATURE_TASK_BTF) ? task->nsproxy->mnt_ns->ns.inum : BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

/* The target of namespace (kind, inum): probe its slot and the next ones (see recorder.h). */
static __always_inline struct sg_target *lookup(__u32 kind, __u32 inum)
{
	__u32 slot = sg_slot_of(inum);

	for (int i = 0; i < SG_PROBES; i++) {
		__u32 index = (slot + i) & (SG_SLOTS - 1);
		struct sg_target *t = bpf_map_lookup_elem(&sg_targets, &index);

		if (!t || !t->kind)
			return 0; /* an empty slot ends the chain */
		if (t->inum == inum && t->kind == kind)
			return t;
	}
	return 0;
}

/* Slow path: the task's active PID namespace and its ancestors, read from thread_pid->numbers[]
 * (indexed at run time, which BTF pointers do not allow: bpf_core_read). It finds the container
 * of a task in a nested PID namespace, and of a task between unshare(CLONE_NEWPID) and fork. */
static __always_inline struct sg_target *find_by_pid_levels(struct pid *pid, unsigned int level)
{
	struct sg_target *target;

	/* Level 0 is the host's PID namespace, never a target key. */
	for (int i = 0; i < SG_MAX_PIDNS_DEPTH; i++) {
		unsigned int l = level - i;
		struct upid up;

		if (i >= level)
			break;
		if (bpf_core_read(&up, sizeof(up), &pid->numbers[l]))
			break;
		target = lookup(SG_KEY_PIDNS, BPF_CORE_READ(up.ns, ns.inum));
		if (target)
			return target;
	}
	return 0;
}

/* The target a task belongs to: its PID namespace or an ancestor of it, else its mount
 * namespace (--pid=host). */
static __always_inline struct sg_target *find_target(const __u32 f, struct task_struct *task)
{
	struct pid_namespace *children = children_ns_of(f, task);
	struct pid *pid = thread_pid_of(f, task);
	unsigned int level = pid_level_of(f, pid);
	struct sg_target *target;
	__u32 zero = 0;
	struct sg_counts *counts;

	/* Fast path, plain loads only (5.11+): the namespace a task's children go to is its own,
	 * unless it has just unshared a new one (then the levels differ). */
	if (level && ns_level_of(f, children) == level) {
		target = lookup(SG_KEY_PIDNS, ns_inum_of(f, children));
		if (target)
			return target;
		if (level == 1)
			goto mntns; /* no ancestor to look at */
	}
	target = find_by_pid_levels(pid, level);
	if (target)
		return target;
mntns:
	counts = bpf_map_lookup_elem(&sg_counts, &zero);
	if (counts && counts->mntns_targets)
		return lookup(SG_KEY_MNTNS, mnt_ns_inum_of(f, task));
	return 0;
}

/* Which set of the argument table a syscall records into, or -1 (recorder.h; the numbers per arch
 * are bpf/arch.h's, generated from the argument table). x32 calls use the native numbers (its
 * ioctl, 514, is missed: x32 is rare). */
#define SG_CASE(name, nr) case nr: return SG_ARG_##name;
static __always_inline int arg_set_of(unsigned int arch, __u64 nr)
{
	if (arch == SG_ARCH_COMPAT) {
		switch (nr) {
		SG_COMPAT_NRS(SG_CASE)
		}
		return -1;
	}
	switch (nr) {
	SG_NATIVE_NRS(SG_CASE)
	}
	return -1;
}

/* Argument i (0-2) of the syscall being entered, from the registers bpf/arch.h names. */
static __always_inline __u64 arg_of(struct pt_regs *regs, unsigned int arch, int i)
{
	if (arch == SG_ARCH_COMPAT)
		return SG_COMPAT_ARG(regs, i);
	return SG_NATIVE_ARG(regs, i);
}

/* The part of a slot only kernels without atomics have (recorder.h): the map's value is larger there. */
static __always_inline struct sg_plain *plain_of(struct sg_target *target)
{
	return &((struct sg_plain_target *)target)->plain;
}

/* Whether `value` is in the set already: the common case after a value's first call, no write. */
static __always_inline int known(struct sg_argset *set, __u64 value, __u32 upto)
{
	for (int i = 0; i < SG_ARG_VALUES; i++) {
		if (i >= upto)
			break;
		if (set->values[i] == value)
			return 1;
	}
	return 0;
}

/*
 * Add `value` to set `which` of a bounded set, once; a value that does not fit marks the set
 * overflowed (the profile then keeps what the tracing filter allowed). Two CPUs adding values at
 * once must not write the same slot: with atomics a fetch-and-add on `count` gives each its own;
 * without, each slot has a claim counter, and only the writer whose add made it 1 writes there
 * (atomic adds on one word are ordered: every later claimer sees 2 or more and tries the next).
 */
static __always_inline void remember(const __u32 f, struct sg_target *target, int which, struct sg_argset *set, __u64 value)
{
	__u32 index;

	value |= 1ULL << SG_ARG_PRESENT_BIT;
	if (has(f, SG_FEATURE_ATOMICS)) {
		__u32 seen = set->count;

		if (known(set, value, seen))
			return;
		if (seen >= SG_ARG_VALUES) {
			set->overflow = 1;
			return;
		}
		index = __sync_fetch_and_add(&set->count, 1);
		if (index >= SG_ARG_VALUES) {
			set->overflow = 1;
			return;
		}
		set->values[index & (SG_ARG_VALUES - 1)] = value;
		return;
	}
	if (known(set, value, SG_ARG_VALUES))
		return;
	{
		__u32 w = which;
		__u32 *claims;

		barrier_var(w); /* a bound the verifier sees, whatever SG_ARG_SYSCALLS is (record_args checked it) */
		if (w >= SG_ARG_SYSCALLS)
			return;
		claims = plain_of(target)->claims[w];
		for (int i = 0; i < SG_ARG_VALUES; i++) {
			if (claims[i])
				continue;
			__sync_fetch_and_add(&claims[i], 1); /* no fetch: BPF_XADD, which every kernel has */
			if (*(volatile __u32 *)&claims[i] != 1)
				continue;
			set->values[i] = value;
			return;
		}
	}
	set->overflow = 1;
}

/* Record the table's arguments of one call of a traced task (never reached by untraced ones). */
static __always_inline void record_args(const __u32 f, struct sg_target *target, struct bpf_raw_tracepoint_args *ctx, unsigned int arch, __u64 nr)
{
	int which = arg_set_of(arch, nr);
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	struct sg_argset *set;
	__u64 family, type, protocol, flags;

	if (which < 0 || which >= SG_ARG_SYSCALLS)
		return;
	set = &target->args[which];
	if (arch == SG_ARCH_X32) {
		set->overflow = 1; /* not recorded: the profile keeps what the tracing filter allowed */
		return;
	}
	switch (which) {
	case SG_ARG_SOCKET:
	case SG_ARG_SOCKETPAIR:
		family = arg_of(regs, arch, 0) & 0xffffffff;
		type = arg_of(regs, arch, 1) & 0xffffffff & ~(__u64)SG_SOCK_FLAGS;
		protocol = family == SG_AF_NETLINK ? arg_of(regs, arch, 2) & 0xffffffff : 0;
		if (family > 0xffff || type > 0xffff || protocol > 0x7fffffff) {
			set->overflow = 1;
			return;
		}
		remember(f, target, which, set, family | type << 16 | protocol << 32);
		return;
	case SG_ARG_CLONE:
	case SG_ARG_UNSHARE:
		flags = arg_of(regs, arch, 0) & (which == SG_ARG_CLONE ? SG_CLONE_NS_MASK : SG_UNSHARE_NS_MASK);
		if (!has(f, SG_FEATURE_ATOMICS)) {
			/* The combinations seen, as values: user space ORs them (target-codec.ts). */
			remember(f, target, which, set, flags);
			return;
		}
		flags |= 1ULL << SG_ARG_PRESENT_BIT;
		if ((set->values[0] & flags) != flags)
			__sync_fetch_and_or(&set->values[0], flags);
		if (!set->count)
			set->count = 1;
		return;
	case SG_ARG_SETNS:
	case SG_ARG_IOCTL:
		remember(f, target, which, set, arg_of(regs, arch, 1) & 0xffffffff);
		return;
	default: /* personality, prctl */
		remember(f, target, which, set, arg_of(regs, arch, 0) & 0xffffffff);
		return;
	}
}

/* What every build does on a syscall entry, with the features `f` it may use. */
static __always_inline int record(struct bpf_raw_tracepoint_args *ctx, const __u32 f)
{
	struct task_struct *task = current_task(f);
	int filtered = seccomp_mode_of(f, task) == SECCOMP_MODE_FILTER;
	struct sg_target *target;
	long id = ctx->args[1];
	__u64 nr, arch = SG_ARCH_NATIVE;

	/* Most host tasks run without a filter: they leave here unless a target records unfiltered. */
	if (!filtered) {
		__u32 zero = 0;
		struct sg_counts *counts = bpf_map_lookup_elem(&sg_counts, &zero);

		if (!counts || !counts->unfiltered_targets)
			return 0;
	}
	target = find_target(f, task);
	if (!target)
		return 0;
	if ((target->flags & SG_FLAG_FILTERED_ONLY) && !filtered)
		return 0;

	if (id < 0) /* -1: not a syscall (e.g. a ptrace-cancelled one) */
		return 0;
	nr = id;
#if defined(__TARGET_ARCH_x86)
	if (nr & SG_X32_SYSCALL_BIT) {
		arch = SG_ARCH_X32;
		nr &= ~SG_X32_SYSCALL_BIT;
	} else
#endif
	if (compat_of(f, task))
		arch = SG_ARCH_COMPAT;
#ifdef SG_COMPAT_PRIVATE_BASE
	/* ARM's private calls (set_tls…) sit far above its table: kept at the top of the numbers. */
	if (arch == SG_ARCH_COMPAT && nr - SG_COMPAT_PRIVATE_BASE < SG_COMPAT_PRIVATE_COUNT)
		nr = nr - SG_COMPAT_PRIVATE_BASE + SG_COMPAT_PRIVATE_SLOT;
#endif
	if (nr >= SG_MAX_SYSCALLS)
		return 0;
	record_args(f, target, ctx, arch, nr);

	/*
	 * The index into the bitmap (or bytes), bounded by masks the verifier tracks: clang knows
	 * nr < SG_MAX_SYSCALLS and arch < SG_ARCHS and would drop a plain mask, after which 6.1's
	 * verifier lost the bound across its register copies ("R4 unbounded memory access").
	 * barrier_var makes clang forget what it knows, so the masks stay in the code.
	 */
	barrier_var(nr);
	barrier_var(arch);
	nr &= SG_MAX_SYSCALLS - 1;
	if (arch >= SG_ARCHS)
		return 0;
	if (has(f, SG_FEATURE_ATOMICS)) {
		__u64 *word = &target->bits[arch][nr / 64];
		__u64 bit = 1ULL << (nr % 64);

		/* Read before the atomic: after the first call the bit is set and the cache line stays shared. */
		if (!(*word & bit))
			__sync_fetch_and_or(word, bit);
	} else {
		/* A byte of its own per syscall: two CPUs storing 1 at once lose nothing. */
		unsigned char *seen = &plain_of(target)->seen[arch][nr];

		if (!*seen)
			*seen = 1;
	}
	return 0;
}

/* Kernels 5.12 and later (x86_64; arm64's JIT took longer): atomics and BTF task pointers. */
SEC("raw_tp/sys_enter")
int record_syscall(struct bpf_raw_tracepoint_args *ctx)
{
	return record(ctx, SG_FEATURE_ATOMICS | SG_FEATURE_TASK_BTF);
}

/* 5.11, or a JIT without the atomics: BTF task pointers, a byte per syscall. */
SEC("raw_tp/sys_enter")
int record_plain_btf(struct bpf_raw_tracepoint_args *ctx)
{
	return record(ctx, SG_FEATURE_TASK_BTF);
}

/* 5.8 to 5.10: probe reads, a byte per syscall. */
SEC("raw_tp/sys_enter")
int record_plain(struct bpf_raw_tracepoint_args *ctx)
{
	return record(ctx, 0);
}
