/**
 * The OCI state a runtime hands a hook on stdin. prestart gets
 * {id, status:"creating", pid, bundle, annotations}; poststop gets no pid (checked on podman 4.3
 * with runc), which is why per-container state is keyed by id.
 */
import { SeccompGenError } from '../errors.js';
import { ShapeError, integer, object, optionalInteger, optionalString, string, stringRecord } from '../io/shape.js';

/** Container ids become file names: allow nothing that could leave the state directory. */
export const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;

export interface OciState {
  ociVersion?: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

function check(data: unknown): OciState {
  const o = object(data, 'state');
  const id = string(o.id, 'id');
  if (!CONTAINER_ID.test(id)) throw new ShapeError('id', 'not a container id');
  const bundle = string(o.bundle, 'bundle');
  if (!bundle.startsWith('/')) throw new ShapeError('bundle', 'must be an absolute path');
  const state: OciState = { id, status: string(o.status, 'status'), bundle };
  const ociVersion = optionalString(o.ociVersion, 'ociVersion');
  if (ociVersion !== undefined) state.ociVersion = ociVersion;
  const pid = optionalInteger(o.pid, 'pid', 1);
  if (pid !== undefined) state.pid = integer(pid, 'pid', 1);
  if (o.annotations !== undefined && o.annotations !== null) state.annotations = stringRecord(o.annotations, 'annotations');
  return state;
}

export function parseOciState(text: string): OciState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SeccompGenError('STATE', 'the OCI state on stdin is not JSON (is this running as an OCI hook?)');
  }
  try {
    return check(data);
  } catch (e) {
    if (e instanceof ShapeError) throw new SeccompGenError('STATE', `the OCI state on stdin is invalid: ${e.message}`);
    throw e;
  }
}
