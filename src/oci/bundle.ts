/**
 * The container's bundle config.json, for the one thing we need from it: the seccomp filter
 * the container runs under while we trace it (`linux.seccomp`).
 */
import { join } from 'node:path';
import { z } from 'zod';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../profile/read.js';
import { ReplayAnswers, UNFILTERED } from './replay.js';

const OciSeccompSchema = z.looseObject({
  defaultAction: z.string(),
  defaultErrnoRet: z.number().int().optional(),
  syscalls: z
    .array(
      z.looseObject({
        names: z.array(z.string()),
        action: z.string(),
        errnoRet: z.number().int().optional(),
        args: z.array(z.unknown()).nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
});

const ConfigSchema = z.looseObject({
  linux: z.looseObject({ seccomp: OciSeccompSchema.nullable().optional() }).optional(),
});

const EPERM = 1;

/** The answers of an OCI `linux.seccomp` filter that a generated profile must keep. */
export function replayAnswersOf(seccomp: z.infer<typeof OciSeccompSchema> | null | undefined): ReplayAnswers {
  if (!seccomp) return UNFILTERED;
  const errno = (ret: number | undefined) => ret ?? EPERM;
  return {
    filtered: true,
    defaultErrnoRet: seccomp.defaultAction === 'SCMP_ACT_ERRNO' ? errno(seccomp.defaultErrnoRet) : undefined,
    errnoRules: (seccomp.syscalls ?? [])
      // A rule with argument filters answers only some calls: its errno cannot stand for the name.
      .filter((r) => r.action === 'SCMP_ACT_ERRNO' && !(r.args && r.args.length))
      .map((r) => ({ names: r.names, errnoRet: errno(r.errnoRet) })),
  };
}

export function readReplayAnswers(bundle: string): ReplayAnswers {
  const path = join(bundle, 'config.json');
  const parsed = ConfigSchema.safeParse(parseJson(readRegularFile(path, 64 * 1024 * 1024), path));
  if (!parsed.success) throw new SeccompGenError('STATE', `${path}: not an OCI runtime config`);
  return replayAnswersOf(parsed.data.linux?.seccomp);
}
