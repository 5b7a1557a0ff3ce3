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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory grows with the targets, not with max */
	__uint(max_entries, SG_MAX_TARGETS);
	__type(key, struct sg_key);
	__type(value, struct sg_target);
} sg_targets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_counts);
} sg_counts SEC(".maps");

static __always_inline struct sg_target *lookup(__u32 kind, __u32 inum)
{
	struct sg_key key = { .kind = kind, .inum = inum };

	return bpf_map_lookup_elem(&sg_targets, &key);
}

/* The target a task belongs to: its PID namespace or one of its ancestors (a container that
 * unshares a nested PID namespace stays covered), else its mount namespace (--pid=host). */
static __always_inline struct sg_target *find_target(struct task_struct *task, struct sg_counts *counts)
{
	struct pid *pid = task->thread_pid;
	unsigned int level = pid->level;
	struct sg_target *target;

	/* Level 0 is the host's PID namespace, never a target key. numbers[] is indexed at run
	 * time, which BTF pointers do not allow: read those entries with bpf_core_read. */
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
	if (counts->mntns_targets)
		return lookup(SG_KEY_MNTNS, task->nsproxy->mnt_ns->ns.inum);
	return 0;
}

SEC("raw_tp/sys_enter")
int record_syscall(struct bpf_raw_tracepoint_args *ctx)
{
	/* A BTF pointer: its fields are read with plain loads, not a helper call each. */
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 zero = 0;
	struct sg_counts *counts = bpf_map_lookup_elem(&sg_counts, &zero);
	int filtered = task->seccomp.mode == SECCOMP_MODE_FILTER;
	struct sg_target *target;
	long id = ctx->args[1];
	__u64 nr;
	unsigned int arch = SG_ARCH_NATIVE;
	__u64 bit, *word;

	if (!counts)
		return 0;
	/* Most host tasks run without a filter: they leave here unless a target records unfiltered. */
	if (!filtered && !counts->unfiltered_targets)
		return 0;
	target = find_target(task, counts);
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
	return 0;
}
