/**
 * One file per traced container, /run/seccomp-gen/targets/<id>.json, written by prestart and
 * consumed by poststop (which gets no pid, so it cannot find the namespace by itself). The base
 * profile is stored here as read at prestart: a bad if: stops the container before it runs.
 */
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../profile/read.js';
import { ProfileSchema } from '../profile/schema.js';
import { formatJson, writeFileAtomic } from '../profile/write.js';
import { ReplayAnswersSchema } from '../oci/replay.js';
import { CONTAINER_ID } from '../oci/state.js';
import { targetsDir } from './paths.js';

export const TargetRecordSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(CONTAINER_ID),
  key: z.object({ kind: z.enum(['pid', 'mnt']), inum: z.number().int().nonnegative() }),
  /** How the recorder decides what to keep (see SG_FLAG_* in bpf/recorder.h). */
  mode: z.enum(['filtered', 'all']),
  pid: z.number().int().positive(),
  /** The OCI runtime's executable name (runc, crun), when it could be read. */
  runtime: z.string().optional(),
  output: z.string(),
  input: z.string().optional(),
  base: ProfileSchema.optional(),
  replay: ReplayAnswersSchema,
  startedAt: z.string(),
});
export type TargetRecord = z.infer<typeof TargetRecordSchema>;

function recordPath(id: string): string {
  if (!CONTAINER_ID.test(id)) throw new SeccompGenError('STATE', `"${id}" is not a container id`);
  return join(targetsDir(), `${id}.json`);
}

export function saveTarget(record: TargetRecord): void {
  mkdirSync(targetsDir(), { recursive: true, mode: 0o700 });
  writeFileAtomic(recordPath(record.id), formatJson(record), { mode: 0o600 });
}

/** The record of container `id`, or null when it was never traced. */
export function loadTarget(id: string): TargetRecord | null {
  const path = recordPath(id);
  let text: string;
  try {
    text = readRegularFile(path);
  } catch (e) {
    if (e instanceof SeccompGenError && /ENOENT/.test(e.message)) return null;
    throw e;
  }
  const corrupt = () => new SeccompGenError('TARGET', `${path}: corrupt tracing state; remove it`);
  let data: unknown;
  try {
    data = parseJson(text, path);
  } catch {
    throw corrupt(); // cut short (a crash mid-write of an older version, a full disk): same remedy
  }
  const result = TargetRecordSchema.safeParse(data);
  if (!result.success) throw corrupt();
  return result.data;
}

export function deleteTarget(id: string): void {
  try {
    unlinkSync(recordPath(id));
  } catch {
    /* already gone */
  }
}

export function listTargetIds(): string[] {
  try {
    return readdirSync(targetsDir())
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
  } catch {
    return [];
  }
}
