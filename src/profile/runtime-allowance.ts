/**
 * Syscalls an OCI runtime may make nondeterministically after it installs the filter and before
 * it execs the workload: they are under the filter, so the profile must allow them, but one
 * trace may not see them. runc is Go: its init thread can take an async-preemption signal
 * (SIGURG → rt_sigreturn; seen in 1 of 6 traces of the same command), wait or spin in the
 * scheduler (futex, nanosleep, sched_yield), grow or return heap (mmap, munmap, madvise), or
 * preempt another thread (getpid, gettid, tgkill). A replay that meets one of them unallowed dies
 * with SIGSEGV. crun is C and runs a fixed sequence: nothing to add.
 */
export const RUNTIME_ALLOWANCE: Record<string, readonly string[]> = {
  runc: ['futex', 'getpid', 'gettid', 'madvise', 'mmap', 'munmap', 'nanosleep', 'rt_sigreturn', 'sched_yield', 'tgkill'],
  crun: [],
};

/** The allowance for a runtime by its executable's name; unknown runtimes get runc's (safe side). */
export function runtimeAllowance(runtime: string | undefined): readonly string[] {
  if (runtime === undefined) return [];
  return RUNTIME_ALLOWANCE[runtime] ?? RUNTIME_ALLOWANCE.runc ?? [];
}
