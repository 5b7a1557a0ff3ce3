/**
 * The seccomp profile format read by Podman (containers/common), Docker (moby) and the OCI
 * runtimes, as zod schemas. Reading is lenient where those readers are (unknown keys pass
 * through, `name` or `names`, string `errno` fields); what we write is the portable subset.
 *
 * Why there are two profile models: `Profile` (here) is a file as written, and the hooks keep it
 * so. An if: base is grafted onto as it is (profile/extend.ts): its fields we do not model (a
 * newer runtime's, `includes`/`excludes`, comments, `name` beside `names`) reach the output
 * untouched, which is what the user who keeps that base expects. `CanonicalProfile`
 * (toolkit/normalize.ts) is what the CLI compares: one form per meaning (numeric errnos, `names`
 * only, sorted args, empty parts dropped), which merge, diff, show, convert and validate need and
 * which would drop a base's unknown fields. Hence two readers as well: profile/read.ts (a JSON
 * file checked against this schema, for the if: base) and toolkit/normalize.ts's loadProfile
 * (every format the CLI reads, YAML included, canonicalized).
 */
import { z } from 'zod';

export const ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;
export type Action = (typeof ACTIONS)[number];

export const OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
export type Operator = (typeof OPERATORS)[number];

const errnoNumber = z.number().int().min(0).max(4095);

const ArgSchema = z.looseObject({
  index: z.number().int().min(0).max(5),
  value: z.number().int().min(0),
  valueTwo: z.number().int().min(0).optional(),
  op: z.enum(OPERATORS),
});
export type Arg = z.infer<typeof ArgSchema>;

const RuleSchema = z
  .looseObject({
    names: z.array(z.string().min(1)).optional(),
    name: z.string().min(1).optional(),
    action: z.enum(ACTIONS),
    errnoRet: errnoNumber.optional(),
    errno: z.string().optional(),
    args: z.array(ArgSchema).nullable().optional(),
    comment: z.string().optional(),
    includes: z.unknown().optional(),
    excludes: z.unknown().optional(),
  })
  .refine((r) => (r.names?.length ?? 0) > 0 || r.name !== undefined, {
    message: 'a rule needs "names" (or "name")',
  });
export type Rule = z.infer<typeof RuleSchema>;

const ArchMapEntrySchema = z.looseObject({
  architecture: z.string().min(1),
  subArchitectures: z.array(z.string()).nullable().optional(),
});

export const ProfileSchema = z
  .looseObject({
    defaultAction: z.enum(ACTIONS),
    defaultErrnoRet: errnoNumber.optional(),
    defaultErrno: z.string().optional(),
    architectures: z.array(z.string().min(1)).nullable().optional(),
    archMap: z.array(ArchMapEntrySchema).nullable().optional(),
    flags: z.array(z.string()).nullable().optional(),
    listenerPath: z.string().optional(),
    listenerMetadata: z.string().optional(),
    syscalls: z.array(RuleSchema).nullable().optional(),
  })
  .refine((p) => !(p.architectures?.length && p.archMap?.length), {
    message: 'use "architectures" or "archMap", not both',
    path: ['architectures'],
  });
export type Profile = z.infer<typeof ProfileSchema>;

/** Turn a zod failure into one line that points at the place: `syscalls[3].action: …`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  return where ? `${where}: ${issue.message}` : issue.message;
}
