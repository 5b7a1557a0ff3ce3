/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few kernel types recorder.bpf.c reads, declared by hand for CO-RE (the libbpf-tools
 * core_fixes.bpf.h way) instead of a 130k-line vmlinux.h. preserve_access_index makes clang
 * emit relocations, so libbpf fixes every field offset against the running kernel's BTF:
 * only the fields named here must exist, not this layout.
 */
#ifndef SECCOMP_GEN_CORE_H
#define SECCOMP_GEN_CORE_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
};

struct bpf_raw_tracepoint_args {
	__u64 args[0];
};

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct pid_namespace {
	unsigned int level;
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct mnt_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct upid {
	int nr;
	struct pid_namespace *ns;
} __attribute__((preserve_access_index));

struct pid {
	unsigned int level;
	struct upid numbers[1];
} __attribute__((preserve_access_index));

struct nsproxy {
	struct mnt_namespace *mnt_ns;
	struct pid_namespace *pid_ns_for_children;
} __attribute__((preserve_access_index));

struct seccomp {
	int mode;
} __attribute__((preserve_access_index));

/* x86: TS_COMPAT in thread_info.status marks a task inside a 32-bit (int 0x80) syscall. */
struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	struct nsproxy *nsproxy;
	struct pid *thread_pid;
	struct seccomp seccomp;
} __attribute__((preserve_access_index));

/* The registers a syscall's arguments arrive in: x86_64 di, si, dx; ia32 bx, cx, dx. */
struct pt_regs {
	unsigned long bx;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
} __attribute__((preserve_access_index));

#define SECCOMP_MODE_FILTER 2
#define TS_COMPAT 0x0002
#define X32_SYSCALL_BIT 0x40000000

#endif
