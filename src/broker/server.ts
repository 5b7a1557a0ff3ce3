/**
 * The broker's socket server. One exchange per connection (hello → ticket, then one request),
 * every step bounded: a line longer than MAX_REQUEST_BYTES, a client silent for longer than the
 * timeout, a malformed message, a wrong token — each gets a one-line refusal and the connection
 * is closed; the server itself goes on serving. Requests are handled one at a time (the kernel
 * work is synchronous, under the shared lock), which also bounds what a flood of clients costs.
 */
import { chmodSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { SeccompGenError, messageOf } from '../errors.js';
import { logEvent } from '../log/log.js';
import { runDir } from '../state/paths.js';
import { brokerDir } from './paths.js';
import { MAX_REQUEST_BYTES, ProtocolError, encodeMessage, parseRequest, type Request } from './protocol.js';
import type { BrokerService } from './service.js';
import { clearTickets, issueTicket, removeTicket, ticketMatches, type Ticket } from './tickets.js';

export const MAX_CONNECTIONS = 128;

export interface ServerOptions {
  service: BrokerService;
  /** Listen here (a path), or on an inherited descriptor (socket activation). */
  listen: { path: string } | { fd: number };
  /** A client that sends nothing for this long is dropped. */
  silentTimeoutMs: number;
}

function refusal(e: unknown): string {
  if (e instanceof ProtocolError) return `bad request: ${e.message}`;
  if (e instanceof SeccompGenError) return e.message;
  return `internal error: ${messageOf(e)}`;
}

/**
 * The run directory must be traversable for users to reach the socket and their tickets by name
 * (0711: nothing in it can be listed); the root hooks create it 0700.
 */
export function prepareDirs(): void {
  for (const dir of [runDir(), brokerDir()]) {
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    const st = statSync(dir);
    if (st.uid === 0 && (st.mode & 0o111) !== 0o111) chmodSync(dir, (st.mode & 0o777) | 0o111);
  }
  clearTickets();
}

class Exchange {
  private buffer = '';
  private ticket: Ticket | undefined;
  private done = false;
  /** A take answered, waiting for the taker's ack: (uid, id) of the recording kept meanwhile. */
  private pendingAck: { uid: number; id: string } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: ServerOptions,
  ) {
    socket.setTimeout(options.silentTimeoutMs, () => this.end(`no request within ${options.silentTimeoutMs / 1000} s`));
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', () => this.cleanup()); // a client that went away: nothing to tell it
    socket.on('close', () => {
      this.cleanup();
      if (this.pendingAck) {
        logEvent('broker', 'kept', this.pendingAck, 'the taker left without acknowledging the recording: kept for the user (seccomp-gen gc, as that user, writes it)');
        this.pendingAck = undefined;
      }
    });
  }

  private data(chunk: Buffer): void {
    if (this.done) return;
    this.buffer += chunk.toString('utf8');
    for (let nl = this.buffer.indexOf('\n'); nl >= 0 && !this.done; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.line(line);
    }
    if (!this.done && Buffer.byteLength(this.buffer) > MAX_REQUEST_BYTES) this.end(`bad request: message longer than ${MAX_REQUEST_BYTES} bytes`);
  }

  private line(line: string): void {
    let request: Request;
    try {
      request = parseRequest(line);
    } catch (e) {
      this.end(refusal(e));
      return;
    }
    if (request.op === 'ack') {
      const pending = this.pendingAck;
      if (!pending) return this.end('bad request: nothing to acknowledge');
      this.pendingAck = undefined;
      this.options.service.acknowledge(pending.uid, pending.id);
      return this.end(undefined);
    }
    if (this.pendingAck) return this.end('bad request: expected an ack');
    if (request.op === 'hello') {
      if (this.ticket) return this.end('bad request: hello twice');
      try {
        this.ticket = issueTicket(request.uid);
      } catch (e) {
        return this.end(`cannot issue a ticket for uid ${request.uid}: ${messageOf(e)}`);
      }
      this.socket.write(encodeMessage({ ok: true, ticket: this.ticket.path }));
      return;
    }
    const ticket = this.ticket;
    if (!ticket) return this.end('bad request: say hello first');
    if (!ticketMatches(ticket, request.token)) {
      logEvent('broker', 'refused', { uid: ticket.uid, op: request.op }, 'wrong ticket token');
      return this.end(`the token is not the one in the ticket: uid ${ticket.uid} not proven`);
    }
    removeTicket(ticket);
    this.handle(ticket.uid, request);
  }

  private handle(uid: number, request: Exclude<Request, { op: 'hello' | 'ack' }>): void {
    const { service } = this.options;
    try {
      if (request.op === 'register') {
        const { key, collected } = service.register(uid, request.id, request.pid, request.mode);
        for (const ev of collected) logEvent('broker', ev.action, { uid: ev.uid, id: ev.id }, ev.detail);
        logEvent('broker', 'registered', { uid, id: request.id, key: `${key.kind}:${key.inum}` });
        this.end(undefined, { key });
      } else if (request.op === 'take') {
        const taken = service.take(uid, request.id);
        logEvent('broker', 'taken', { uid, id: request.id, kept: taken.kept ? 'yes' : undefined });
        // Answered, not ended: the recording stays kept until the taker says it has it.
        this.pendingAck = { uid, id: request.id };
        this.socket.write(encodeMessage({ ok: true, recorded: taken.recorded, kept: taken.kept }));
      } else {
        this.end(undefined, service.list(uid));
      }
    } catch (e) {
      logEvent('broker', 'refused', { uid, op: request.op, id: 'id' in request ? request.id : undefined }, refusal(e));
      this.end(refusal(e));
    }
  }

  /** Answer (a refusal, or ok with `body`) and close. */
  private end(error: string | undefined, body: Record<string, unknown> = {}): void {
    if (this.done) return;
    this.done = true;
    this.cleanup(); // one exchange per connection: its ticket is spent whatever the outcome
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.end(error === undefined ? encodeMessage({ ok: true, ...body }) : encodeMessage({ ok: false, error }));
    this.socket.setTimeout(this.options.silentTimeoutMs, () => this.socket.destroy());
  }

  private cleanup(): void {
    if (this.ticket) removeTicket(this.ticket);
    this.ticket = undefined;
  }
}

/** Whether a server accepts connections on the socket `path` (a running broker, not a stale file). */
function someoneListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

export interface RunningServer {
  server: Server;
  /** Connections served so far, and when the last one ended (idle exit). */
  lastActivity(): number;
  busy(): boolean;
  close(): Promise<void>;
}

export function startServer(options: ServerOptions): Promise<RunningServer> {
  prepareDirs();
  let open = 0;
  let last = Date.now();
  const server = createServer((socket) => {
    open++;
    last = Date.now();
    socket.on('close', () => {
      open--;
      last = Date.now();
    });
    new Exchange(socket, options);
  });
  // A flood of idle connections costs each a ticket file for at most the silent timeout; beyond
  // this many at once, new ones are closed at once (the hooks retry nothing: they report it).
  server.maxConnections = MAX_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const ready = () => {
      server.off('error', reject);
      server.on('error', (e) => logEvent('broker', 'error', {}, messageOf(e)));
      resolve({
        server,
        lastActivity: () => last,
        busy: () => open > 0,
        close: () => new Promise((r) => server.close(() => r())),
      });
    };
    if ('fd' in options.listen) {
      server.listen({ fd: options.listen.fd }, ready);
    } else {
      const path = options.listen.path;
      mkdirSync(dirname(path), { recursive: true, mode: 0o711 });
      void someoneListens(path).then((listening) => {
        if (listening) return reject(new SeccompGenError('BROKER', `a broker already listens on ${path}`));
        try {
          unlinkSync(path); // a previous broker's socket: nobody listens on it any more
        } catch {
          /* none */
        }
        server.listen(path, () => {
          chmodSync(path, 0o666); // anyone may ask; the broker decides
          ready();
        });
      });
    }
  });
}
