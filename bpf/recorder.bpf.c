// SPDX-License-Identifier: GPL-2.0
/*
 * One program for every traced container: on each syscall entry, find whether the calling
 * task belongs to a traced namespace and, if so, set the syscall's bit in that target's bitmap.
 * No events leave the kernel, so nothing can be lost; user space reads the bitmap when the
 * container stops. Keep the path for untraced tasks short: it runs on every syscall of the host.
 */
#include "core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "recorder.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_SLOTS);
	__type(key, __u32);
	__type(value, struct sg_target);
} sg_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_counts);
} sg_counts SEC(".maps");

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
static __always_inline struct sg_target *find_target(struct task_struct *task)
{
	struct pid_namespace *children = task->nsproxy->pid_ns_for_children;
	struct pid *pid = task->thread_pid;
	unsigned int level = pid->level;
	struct sg_target *target;
	__u32 zero = 0;
	struct sg_counts *counts;

	/* Fast path, plain loads only: the namespace a task's children go to is its own, unless it
	 * has just unshared a new one (then the levels differ). */
	if (level && children->level == level) {
		target = lookup(SG_KEY_PIDNS, children->ns.inum);
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
		return lookup(SG_KEY_MNTNS, task->nsproxy->mnt_ns->ns.inum);
	return 0;
}

/* Which set of the argument table a syscall records into, or -1 (recorder.h). */
static __always_inline int arg_set_of(unsigned int arch, __u64 nr)
{
	if (arch == SG_ARCH_COMPAT) {
		switch (nr) {
		case SG_NR32_SOCKET: return SG_ARG_SOCKET;
		case SG_NR32_SOCKETPAIR: return SG_ARG_SOCKETPAIR;
		case SG_NR32_CLONE: return SG_ARG_CLONE;
		case SG_NR32_UNSHARE: return SG_ARG_UNSHARE;
		case SG_NR32_SETNS: return SG_ARG_SETNS;
		case SG_NR32_PERSONALITY: return SG_ARG_PERSONALITY;
		case SG_NR32_IOCTL: return SG_ARG_IOCTL;
		case SG_NR32_PRCTL: return SG_ARG_PRCTL;
		}
		return -1;
	}
	switch (nr) { /* native, and x32 (same numbers; its ioctl, 514, is missed: x32 is rare) */
	case SG_NR64_SOCKET: return SG_ARG_SOCKET;
	case SG_NR64_SOCKETPAIR: return SG_ARG_SOCKETPAIR;
	case SG_NR64_CLONE: return SG_ARG_CLONE;
	case SG_NR64_UNSHARE: return SG_ARG_UNSHARE;
	case SG_NR64_SETNS: return SG_ARG_SETNS;
	case SG_NR64_PERSONALITY: return SG_ARG_PERSONALITY;
	case SG_NR64_IOCTL: return SG_ARG_IOCTL;
	case SG_NR64_PRCTL: return SG_ARG_PRCTL;
	}
	return -1;
}

/* Argument i (0-2) of the syscall being entered. */
static __always_inline __u64 arg_of(struct pt_regs *regs, unsigned int arch, int i)
{
	if (arch == SG_ARCH_COMPAT)
		return i == 0 ? BPF_CORE_READ(regs, bx) : i == 1 ? BPF_CORE_READ(regs, cx) : BPF_CORE_READ(regs, dx);
	return i == 0 ? BPF_CORE_READ(regs, di) : i == 1 ? BPF_CORE_READ(regs, si) : BPF_CORE_READ(regs, dx);
}

/* Add `value` to a bounded set, once; a value that does not fit marks the set overflowed. */
static __always_inline void remember(struct sg_argset *set, __u64 value)
{
	__u32 seen = set->count;
	__u32 index;

	value |= 1ULL << SG_ARG_PRESENT_BIT;
	for (int i = 0; i < SG_ARG_VALUES; i++) {
		if (i >= seen)
			break;
		if (set->values[i] == value)
			return; /* the common case after the first call: no write at all */
	}
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
}

/* Record the table's arguments of one call of a traced task (never reached by untraced ones). */
static __always_inline void record_args(struct sg_target *target, struct bpf_raw_tracepoint_args *ctx, unsigned int arch, __u64 nr)
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
		remember(set, family | type << 16 | protocol << 32);
		return;
	case SG_ARG_CLONE:
	case SG_ARG_UNSHARE:
		flags = arg_of(regs, arch, 0) & (which == SG_ARG_CLONE ? SG_CLONE_NS_MASK : SG_UNSHARE_NS_MASK);
		flags |= 1ULL << SG_ARG_PRESENT_BIT;
		if ((set->values[0] & flags) != flags)
			__sync_fetch_and_or(&set->values[0], flags);
		if (!set->count)
			set->count = 1;
		return;
	case SG_ARG_SETNS:
	case SG_ARG_IOCTL:
		remember(set, arg_of(regs, arch, 1) & 0xffffffff);
		return;
	default: /* personality, prctl */
		remember(set, arg_of(regs, arch, 0) & 0xffffffff);
		return;
	}
}

SEC("raw_tp/sys_enter")
int record_syscall(struct bpf_raw_tracepoint_args *ctx)
{
	/* A BTF pointer: its fields are read with plain loads, not a helper call each. */
	struct task_struct *task = bpf_get_current_task_btf();
	int filtered = task->seccomp.mode == SECCOMP_MODE_FILTER;
	struct sg_target *target;
	long id = ctx->args[1];
	unsigned int arch = SG_ARCH_NATIVE;
	__u64 bit, *word, nr;

	/* Most host tasks run without a filter: they leave here unless a target records unfiltered. */
	if (!filtered) {
		__u32 zero = 0;
		struct sg_counts *counts = bpf_map_lookup_elem(&sg_counts, &zero);

		if (!counts || !counts->unfiltered_targets)
			return 0;
	}
	target = find_target(task);
	if (!target)
		return 0;
	if ((target->flags & SG_FLAG_FILTERED_ONLY) && !filtered)
		return 0;

	if (id < 0) /* -1: not a syscall (e.g. a ptrace-cancelled one) */
		return 0;
	nr = id;
	if (nr & X32_SYSCALL_BIT) {
		arch = SG_ARCH_X32;
		nr &= ~X32_SYSCALL_BIT;
	} else if (task->thread_info.status & TS_COMPAT) {
		arch = SG_ARCH_COMPAT;
	}
	if (nr >= SG_MAX_SYSCALLS)
		return 0;

	word = &target->bits[arch][nr / 64];
	bit = 1ULL << (nr % 64);
	/* Read before the atomic: after the first call the bit is set and the cache line stays shared. */
	if (!(*word & bit))
		__sync_fetch_and_or(word, bit);
	record_args(target, ctx, arch, nr);
	return 0;
}
