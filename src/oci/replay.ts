/**
 * What the tracing-time filter answered, carried into the profile so that replay behaves the
 * same. The kernel runs seccomp before the sys_enter tracepoint, so a syscall the filter denied
 * is never recorded; if the workload got ENOSYS and fell back (glibc's clone3 → clone), our
 * profile must answer ENOSYS too, not EPERM.
 */
import { z } from 'zod';

export const ErrnoRuleSchema = z.object({ names: z.array(z.string()), errnoRet: z.number().int() });

export const ReplayAnswersSchema = z.object({
  /** The container ran under a seccomp filter (linux.seccomp was set). */
  filtered: z.boolean(),
  /** The errno of the filter's default action, when that action is SCMP_ACT_ERRNO. */
  defaultErrnoRet: z.number().int().optional(),
  /** Unconditional SCMP_ACT_ERRNO rules of the filter. */
  errnoRules: z.array(ErrnoRuleSchema),
});
export type ReplayAnswers = z.infer<typeof ReplayAnswersSchema>;

export const UNFILTERED: ReplayAnswers = { filtered: false, errnoRules: [] };
