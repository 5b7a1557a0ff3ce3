// SPDX-License-Identifier: GPL-2.0
/* The floor: an empty program on the same tracepoint. What any sys_enter tracer costs. */
#define SEC(name) __attribute__((section(name), used))
char LICENSE[] SEC("license") = "GPL";

SEC("raw_tp/sys_enter")
int empty(void *ctx)
{
	return 0;
}
