/**
 * The OCI state a runtime hands a hook on stdin. prestart gets
 * {id, status:"creating", pid, bundle, annotations}; poststop gets no pid (checked on podman 4.3
 * with runc), which is why per-container state is keyed by id.
 */
import { z } from 'zod';
import { SeccompGenError } from '../errors.js';
import { describeIssue } from '../profile/schema.js';

/** Container ids become file names: allow nothing that could leave the state directory. */
export const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

export const OciStateSchema = z.looseObject({
  ociVersion: z.string().optional(),
  id: z.string().regex(CONTAINER_ID, 'not a container id'),
  status: z.string(),
  pid: z.number().int().positive().optional(),
  bundle: z.string().startsWith('/', 'must be an absolute path'),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type OciState = z.infer<typeof OciStateSchema>;

export function parseOciState(text: string): OciState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SeccompGenError('STATE', 'the OCI state on stdin is not JSON (is this running as an OCI hook?)');
  }
  const result = OciStateSchema.safeParse(data);
  if (!result.success) throw new SeccompGenError('STATE', `the OCI state on stdin is invalid: ${describeIssue(result.error)}`);
  return result.data;
}
