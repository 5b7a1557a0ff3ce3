/**
 * What each OCI runtime calls under the container's filter, between installing it and exec'ing
 * the workload: a profile must allow these or the container never starts under that runtime
 * (runc: "ensure /proc/self/fd is on procfs: function not implemented"; crun: "cannot setresgid
 * to 0"). They differ per runtime, and a profile is often deployed where another runtime runs it
 * than the one that traced it, so by default a profile carries the union of every known
 * runtime's set, in a rule of its own (build.ts) that names the runtimes. The one table of it.
 *
 * Measured, not guessed: `bash scripts/measure-runtime-sets.sh` traces each runtime with a
 * workload that makes one syscall of its own (exit_group; test/fixtures/probes/exit0.c) under a
 * filter, many times, and prints what the recorder saw besides it. Re-run it when runc or crun
 * change and update `names` and `measuredOn` here.
 *
 * The hooks load this file: it must not import zod (what a profile allows is toolkit/runtime-check.ts).
 */
import { SeccompGenError, type ErrorCode } from '../errors.js';
import { argumentSyscall } from '../syscalls/argument-table.js';

/**
 * The prctl options each runtime calls under the filter, recorded by argument recording on a
 * workload that makes no prctl of its own (threads): runc 1.1.5 and crun 1.8.1 alike,
 * PR_SET_KEEPCAPS, PR_CAPBSET_DROP, PR_CAP_AMBIENT.
 */
const RUNTIME_PRCTL: readonly number[] = [8, 24, 47];

export interface RuntimeSet {
  /** The version the set was measured on (`runc --version`, `crun --version`). */
  measuredOn: string;
  /** What it calls under the filter in every start: seen in each measured run. */
  names: readonly string[];
  /**
   * What it may call there in some starts only, so one trace may miss it. runc is Go: its init
   * thread can take an async-preemption signal (SIGURG → rt_sigreturn; seen in 1 of 6 traces of
   * the same command), wait or spin in the scheduler (futex, nanosleep, sched_yield), grow or
   * return heap (mmap, munmap, madvise), or preempt another thread (getpid, gettid, tgkill). A
   * replay that meets one of them unallowed dies with SIGSEGV.
   */
  nondeterministic: readonly string[];
  /**
   * The argument values it calls the argument table's syscalls with there (syscalls/
   * argument-table.ts): a profile that filters those names still lets the runtime start. A name
   * of the table in `names` without values here is left unfiltered (withRuntimeArguments).
   */
  arguments: Readonly<Record<string, readonly number[]>>;
}

export const RUNTIME_SETS = {
  // runc applies the filter before it drops to the container's user and capabilities (podman
  // leaves no_new_privileges off), so those calls are under it; then /proc/self/fd checks and fd
  // closing, and the exec fifo. Measured: 20 of 20 runs; rt_sigreturn in 2 of 20.
  runc: {
    measuredOn: 'runc 1.1.5 (Debian 1.1.5+ds1)',
    names: ['capget', 'capset', 'chdir', 'close', 'epoll_ctl', 'execve', 'faccessat2', 'fcntl', 'fstat', 'fstatfs', 'futex', 'getcwd', 'getdents64', 'getpid', 'getppid', 'newfstatat', 'openat', 'prctl', 'read', 'setgid', 'setgroups', 'setuid', 'write'],
    nondeterministic: ['futex', 'getpid', 'gettid', 'madvise', 'mmap', 'munmap', 'nanosleep', 'rt_sigreturn', 'sched_yield', 'tgkill'],
    arguments: { prctl: RUNTIME_PRCTL },
  },
  // crun waits for `crun start` under the filter (pselect6, read, signals), then sets the user
  // and capabilities. A fixed sequence in C: 20 of 20 runs alike.
  crun: {
    measuredOn: 'crun 1.8.1 (Debian 1.8.1-1+deb12u1)',
    names: ['capset', 'close', 'execve', 'prctl', 'pselect6', 'read', 'rt_sigaction', 'rt_sigprocmask', 'setresgid', 'setresuid', 'write'],
    nondeterministic: [],
    arguments: { prctl: RUNTIME_PRCTL },
  },
} as const satisfies Record<string, RuntimeSet>;

export type RuntimeName = keyof typeof RUNTIME_SETS;
export const KNOWN_RUNTIMES = Object.keys(RUNTIME_SETS).sort() as RuntimeName[];

export function isKnownRuntime(name: string): name is RuntimeName {
  return Object.hasOwn(RUNTIME_SETS, name);
}

/** Everything one runtime may call under the filter before the exec, sorted. */
export function runtimeSet(runtime: RuntimeName): string[] {
  const set: RuntimeSet = RUNTIME_SETS[runtime];
  return [...new Set([...set.names, ...set.nondeterministic])].sort();
}

/**
 * Recorded argument values with what the runtimes need added: their calls under the filter in a
 * runtime other than the one that traced are not in the recording. A syscall of the argument
 * table that a runtime calls with values not known here becomes 'overflow' (left as the tracing
 * filter allowed it): the container must start.
 */
export function withRuntimeArguments<T extends ReadonlyMap<string, readonly (readonly number[])[] | 'overflow'>>(
  recorded: T,
  runtimes: readonly RuntimeName[],
): Map<string, readonly (readonly number[])[] | 'overflow'> {
  const out = new Map<string, readonly (readonly number[])[] | 'overflow'>(recorded);
  for (const runtime of runtimes) {
    const set: RuntimeSet = RUNTIME_SETS[runtime];
    for (const name of [...set.names, ...set.nondeterministic]) {
      if (!argumentSyscall(name)) continue;
      const values = set.arguments[name];
      const had = out.get(name);
      if (had === 'overflow') continue;
      out.set(name, values ? [...(had ?? []), ...values.map((v) => [v])] : 'overflow');
    }
  }
  return out;
}

/** The union of the runtimes' sets, sorted. */
export function runtimeUnion(runtimes: readonly RuntimeName[]): string[] {
  return [...new Set(runtimes.flatMap(runtimeSet))].sort();
}

/** "runc 1.1.5, crun 1.8.1": what a rule's comment and the reports name. */
function describeRuntimes(runtimes: readonly RuntimeName[]): string {
  return runtimes.map((r) => RUNTIME_SETS[r].measuredOn).join(', ');
}

/** The comment of the runtimes' rule; `runtimesInComment` reads the runtimes back from it. */
export function runtimeRuleComment(runtimes: readonly RuntimeName[]): string {
  return `${RUNTIME_RULE_PREFIX}${runtimes.join(', ')} call under the filter before they exec the workload (sets measured on ${describeRuntimes(runtimes)})`;
}
const RUNTIME_RULE_PREFIX = 'for the OCI runtime: what ';

/** Whether a rule is the runtimes' rule (by its comment): convert and show treat it apart. */
export function isRuntimeRuleComment(comment: string | undefined): boolean {
  return comment?.startsWith(RUNTIME_RULE_PREFIX) === true;
}

/**
 * A list of runtime names from the user (config file, --runtimes): every name must be known.
 * `[]` is allowed: no runtime's set (what the measuring script traces with).
 */
export function checkRuntimeNames(names: readonly string[], where: string, code: ErrorCode = 'USAGE'): RuntimeName[] {
  for (const n of names) {
    if (!isKnownRuntime(n)) throw new SeccompGenError(code, `${where}: unknown runtime "${n}" (known: ${KNOWN_RUNTIMES.join(', ')})`);
  }
  return [...new Set(names as RuntimeName[])].sort();
}

/** A --runtimes value: names separated by commas ("crun", "runc,crun"); "none" for no set. */
export function parseRuntimeList(value: string, option: string): RuntimeName[] {
  if (value.trim() === 'none') return [];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new SeccompGenError('USAGE', `${option}: expected runtime names separated by commas (known: ${KNOWN_RUNTIMES.join(', ')}), or none`);
  return checkRuntimeNames(names, option);
}
