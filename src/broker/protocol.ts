/**
 * The broker's protocol: newline-delimited JSON over a Unix stream socket, one exchange per
 * connection. Everything a client sends is untrusted (any local user may connect, and a rootless
 * hook proves nothing): each message is bounded and checked field by field here, before the
 * broker acts on it.
 *
 *   client → {"v":1,"op":"hello","uid":1001}
 *   broker → {"v":1,"ok":true,"ticket":"/run/seccomp-gen/broker/tickets/<random>.tok"}
 *   client → {"v":1,"op":"register"|"take"|"list","token":"<the ticket's content>", …}
 *   broker → {"v":1,"ok":true, …} or {"v":1,"ok":false,"error":"one line"}
 *   after take only: client → {"v":1,"op":"ack"} (it holds the recording), broker → {"v":1,"ok":true}
 *
 * The ticket proves the uid (tickets.ts): only that user (or root) can read the file.
 */
import { parseWithBigints, stringifyWithBigints } from '../io/bigint-json.js';
import { CONTAINER_ID } from '../oci/state.js';
import { RECORDING_MODES, isRecordingMode, type RecordingMode } from '../kernel/abi.js';

const PROTOCOL_VERSION = 1;
/** Longest line a client may send (a request is a few hundred bytes). */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** Longest line the broker sends (a recording: a few thousand numbers at most). */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;
/** A ticket's token: 32 random bytes in hex. */
export const TOKEN = /^[0-9a-f]{64}$/;

export type Request =
  | { op: 'hello'; uid: number }
  | { op: 'register'; token: string; id: string; pid: number; mode: RecordingMode }
  | { op: 'take'; token: string; id: string }
  | { op: 'list'; token: string }
  | { op: 'ack' };

export class ProtocolError extends Error {}

function field(o: Record<string, unknown>, name: string): unknown {
  if (!Object.prototype.hasOwnProperty.call(o, name)) throw new ProtocolError(`"${name}" is missing`);
  return o[name];
}

function uint(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ProtocolError(`"${name}" must be an integer from ${min} to ${max}`);
  return v;
}

const ALLOWED: Record<Request['op'], readonly string[]> = {
  hello: ['v', 'op', 'uid'],
  register: ['v', 'op', 'token', 'id', 'pid', 'mode'],
  take: ['v', 'op', 'token', 'id'],
  list: ['v', 'op', 'token'],
  ack: ['v', 'op'],
};

/** One line from a client, checked; throws ProtocolError saying what is wrong. */
export function parseRequest(line: string): Request {
  if (Buffer.byteLength(line) > MAX_REQUEST_BYTES) throw new ProtocolError(`message longer than ${MAX_REQUEST_BYTES} bytes`);
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    throw new ProtocolError('message is not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ProtocolError('message is not a JSON object');
  const o = data as Record<string, unknown>;
  if (o.v !== PROTOCOL_VERSION) throw new ProtocolError(`protocol version ${JSON.stringify(o.v)} is not ${PROTOCOL_VERSION}: the hook and the broker are different seccomp-gen versions; reinstall one`);
  const op = o.op;
  if (typeof op !== 'string' || !Object.prototype.hasOwnProperty.call(ALLOWED, op)) throw new ProtocolError(`unknown "op" ${JSON.stringify(op)}`);
  const allowed = ALLOWED[op as Request['op']];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ProtocolError(`unexpected field "${k}" in ${op}`);
  if (op === 'hello') return { op, uid: uint(field(o, 'uid'), 'uid', 0, 0xfffffffe) };
  if (op === 'ack') return { op };
  const token = field(o, 'token');
  if (typeof token !== 'string' || !TOKEN.test(token)) throw new ProtocolError('"token" is not a ticket token');
  if (op === 'list') return { op, token };
  const id = field(o, 'id');
  if (typeof id !== 'string' || !CONTAINER_ID.test(id)) throw new ProtocolError('"id" is not a container id');
  if (op === 'take') return { op, token, id };
  const mode = field(o, 'mode');
  if (!isRecordingMode(mode)) throw new ProtocolError(`"mode" must be ${RECORDING_MODES.map((m) => `"${m}"`).join(' or ')}`);
  // 2^22 is the kernel's largest pid_max.
  return { op: 'register', token, id, pid: uint(field(o, 'pid'), 'pid', 1, 4194304), mode };
}

/** One message as the line that goes on the socket. */
export function encodeMessage(message: Record<string, unknown>): string {
  return `${stringifyWithBigints({ v: PROTOCOL_VERSION, ...message })}\n`;
}

/** A reply line from the broker, bigints restored; throws ProtocolError if it is not one. */
export function parseReply(line: string): Record<string, unknown> & { ok: boolean } {
  let data: unknown;
  try {
    data = parseWithBigints(line);
  } catch {
    throw new ProtocolError('the broker answered something that is not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || typeof (data as { ok?: unknown }).ok !== 'boolean') {
    throw new ProtocolError('the broker answered something that is not a reply');
  }
  const reply = data as Record<string, unknown> & { ok: boolean };
  if (reply.v !== PROTOCOL_VERSION) throw new ProtocolError(`the broker speaks protocol version ${JSON.stringify(reply.v)}, not ${PROTOCOL_VERSION}: update seccomp-gen so both are the same version`);
  return reply;
}
