/**
 * Asking the broker, as used by the hooks of a rootless container and by a user's status/gc:
 * hello with our host uid, read the ticket the broker wrote for that uid, send its token back
 * with the request. Every failure is one SeccompGenError line; a missing broker says what to
 * install and start.
 */
import { createConnection } from 'node:net';
import { SeccompGenError } from '../errors.js';
import type { RecordingMode } from '../kernel/abi.js';
import { readRegularFile } from '../io/json-file.js';
import { brokerSocketPath } from '../broker/paths.js';
import { MAX_REPLY_BYTES, ProtocolError, encodeMessage, parseReply } from '../broker/protocol.js';

/** The broker answered, and said no: unlike a broker that cannot be reached, asking again changes nothing. */
export class BrokerRefusal extends SeccompGenError {
  constructor(reason: string) {
    super('BROKER', `the broker refused: ${reason}`);
  }
}

export type BrokerRequest = { op: 'register'; id: string; pid: number; mode: RecordingMode } | { op: 'take'; id: string } | { op: 'list' };

export const NO_BROKER_HELP =
  'rootless tracing needs the seccomp-gen broker, a small root service: as root, run `seccomp-gen install --rootless` and `systemctl enable --now seccomp-gen-broker.socket` (or start `seccomp-gen broker` in the foreground)';

export interface ClientOptions {
  uid: number;
  socketPath?: string;
  timeoutMs?: number;
}

/** One request to the broker; resolves with its ok reply, rejects with its refusal. */
export function askBroker(request: BrokerRequest, options: ClientOptions): Promise<Record<string, unknown>> {
  const path = options.socketPath ?? brokerSocketPath();
  // Under the hooks' own 10 s timeout (hooks.d), so that a hook says why before podman kills it.
  const timeoutMs = options.timeoutMs ?? 8_000;
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    let stage: 'hello' | 'request' | 'ack' | 'done' = 'hello';
    let taken: Record<string, unknown> | undefined;
    const fail = (e: SeccompGenError) => {
      if (stage === 'done') return;
      const held = stage === 'ack' ? taken : undefined;
      stage = 'done';
      socket.destroy();
      // Our ack was lost, not the recording: we have it (the broker keeps its copy for the user).
      if (held) resolve(held);
      else reject(e);
    };
    socket.setTimeout(timeoutMs, () => fail(new SeccompGenError('BROKER', `the broker at ${path} did not answer within ${timeoutMs / 1000} s`)));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // EACCES: root's run directory stays closed (0700) until a broker opens it to users (0711).
      const missing = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES';
      fail(new SeccompGenError('BROKER', missing ? `no seccomp-gen broker at ${path} (${e.code}): ${NO_BROKER_HELP}` : `cannot talk to the broker at ${path} (${e.code ?? e.message})`));
    });
    socket.on('close', () => fail(new SeccompGenError('BROKER', `the broker at ${path} closed the connection without an answer`)));
    socket.on('connect', () => socket.write(encodeMessage({ op: 'hello', uid: options.uid })));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      if (buffer.length > MAX_REPLY_BYTES) return fail(new SeccompGenError('BROKER', `the broker's answer is longer than ${MAX_REPLY_BYTES} bytes`));
      for (let nl = buffer.indexOf('\n'); nl >= 0 && stage !== 'done'; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let reply: Record<string, unknown> & { ok: boolean };
        try {
          reply = parseReply(line);
        } catch (e) {
          return fail(new SeccompGenError('BROKER', (e as ProtocolError).message));
        }
        if (!reply.ok) return fail(new BrokerRefusal(typeof reply.error === 'string' ? reply.error : 'no reason given'));
        if (stage === 'hello') {
          if (typeof reply.ticket !== 'string') return fail(new SeccompGenError('BROKER', 'the broker sent no ticket'));
          let token: string;
          try {
            token = readRegularFile(reply.ticket, 256).trim();
          } catch (e) {
            return fail(new SeccompGenError('BROKER', `cannot read the broker's ticket for uid ${options.uid} (${(e as Error).message}): is this process really uid ${options.uid}?`));
          }
          stage = 'request';
          socket.write(encodeMessage({ ...request, token }));
        } else if (stage === 'request' && request.op === 'take') {
          // We hold the recording: the broker may drop its kept copy.
          taken = reply;
          stage = 'ack';
          socket.write(encodeMessage({ op: 'ack' }));
        } else {
          stage = 'done';
          socket.end();
          resolve(taken ?? reply);
        }
      }
    });
  });
}
