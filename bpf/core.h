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

/* x86: TS_COMPAT in status marks a task inside a 32-bit (int 0x80) syscall. arm64 has no status:
 * TIF_32BIT in flags marks a 32-bit (AArch32) task (bpf/arch.h has the bits). */
struct thread_info {
#if defined(__TARGET_ARCH_x86)
	__u32 status;
#else
	unsigned long flags;
#endif
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	struct nsproxy *nsproxy;
	struct pid *thread_pid;
	struct seccomp seccomp;
} __attribute__((preserve_access_index));

/* The registers a syscall's arguments arrive in (which one holds which argument: bpf/arch.h).
 * x86_64 di, si, dx; ia32 bx, cx, dx. arm64: x0..x5 in regs[], x0 also kept in orig_x0 (regs[0]
 * becomes the return value); AArch32 tasks' r0..r6 are regs[0..6] too. In arm64's kernel regs[]
 * sits in an anonymous union: CO-RE finds fields through anonymous members. */
struct pt_regs {
#if defined(__TARGET_ARCH_x86)
	unsigned long bx;
	unsigned long cx;
	unsigned long dx;
	unsigned long si;
	unsigned long di;
#else
	__u64 regs[31];
	__u64 orig_x0;
#endif
} __attribute__((preserve_access_index));

#define SECCOMP_MODE_FILTER 2
#if defined(__TARGET_ARCH_x86)
#define SG_TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */
#define SG_X32_SYSCALL_BIT 0x40000000
#else
#define SG_TIF_32BIT 22 /* arch/arm64/include/asm/thread_info.h */
#endif

#endif
