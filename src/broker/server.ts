/**
 * The broker's socket server. One exchange per connection (hello → ticket, then one request),
 * every step bounded: a line longer than MAX_REQUEST_BYTES, a step that takes longer than the
 * step timeout (an absolute deadline: a client that trickles a byte now and then is cut off as
 * one that sends nothing), a malformed message, a wrong token — each gets a one-line refusal and
 * the connection is closed; the server itself goes on serving. No client can lock the others
 * out: at most MAX_UNPROVEN exchanges wait for a uid's proof at once (a new one ends the oldest,
 * which had the longest to prove it: an honest client proves it within milliseconds), and a
 * proven person (broker/persons.ts) has at most MAX_OPEN_PER_PERSON exchanges open. Requests
 * are handled one at a time (the kernel work is synchronous, under the shared lock). Refusals are
 * logged at a bounded rate (refusals.ts).
 */
import { chmodSync, mkdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { SeccompGenError, messageOf } from '../errors.js';
import { logEvent } from '../log/log.js';
import { runDir } from '../state/paths.js';
import { brokerDir } from './paths.js';
import { MAX_REQUEST_BYTES, ProtocolError, encodeMessage, parseRequest, type Request } from './protocol.js';
import { RefusalLog } from './refusals.js';
import type { BrokerService } from './service.js';
import { clearTickets, issueTicket, removeTicket, ticketMatches, type Ticket } from './tickets.js';

/** Exchanges waiting for a uid's proof at once; a new one beyond this ends the oldest. */
const MAX_UNPROVEN = 64;
/** Exchanges one person may have open at once, once proven (a take waiting for its ack is one). */
const MAX_OPEN_PER_PERSON = 8;
/** Descriptors: a ceiling the two bounds above keep clients from reaching. */
const MAX_CONNECTIONS = 1024;

export interface ServerOptions {
  service: BrokerService;
  /** Listen here (a path), or on an inherited descriptor (socket activation). */
  listen: { path: string } | { fd: number };
  /** The longest one step may take, however the client sends: connect to request, a take's answer to its ack, the answer to the close. */
  stepTimeoutMs: number;
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
function prepareDirs(): void {
  for (const dir of [runDir(), brokerDir()]) {
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    const st = statSync(dir);
    if (st.uid === 0 && (st.mode & 0o111) !== 0o111) chmodSync(dir, (st.mode & 0o777) | 0o111);
  }
  clearTickets();
}

/** Who is connected: the exchanges still to prove a uid (oldest first), and each person's open ones. */
class Clients {
  private readonly unproven = new Set<Exchange>();
  private readonly open = new Map<number, number>();
  readonly refusals = new RefusalLog();

  admit(exchange: Exchange): void {
    if (this.unproven.size >= MAX_UNPROVEN) {
      const oldest = this.unproven.values().next().value!;
      oldest.end('too many clients at once, and this one had not proved its uid yet: try again');
    }
    this.unproven.add(exchange);
  }

  /** `exchange` proved a uid of `person`: false when that person has as many open as they may. */
  proven(exchange: Exchange, person: number): boolean {
    this.unproven.delete(exchange);
    const n = this.open.get(person) ?? 0;
    if (n >= MAX_OPEN_PER_PERSON) return false;
    this.open.set(person, n + 1);
    return true;
  }

  /** `exchange` has answered (or been refused): it waits for nothing any more, and gives way to no one. */
  answered(exchange: Exchange): void {
    this.unproven.delete(exchange);
  }

  left(exchange: Exchange, person: number | undefined): void {
    this.unproven.delete(exchange);
    if (person === undefined) return;
    const n = (this.open.get(person) ?? 1) - 1;
    if (n > 0) this.open.set(person, n);
    else this.open.delete(person);
  }
}

class Exchange {
  private buffer = '';
  private ticket: Ticket | undefined;
  private done = false;
  /** The person whose open exchange this is, once proven. */
  private person: number | undefined;
  /** The current step's deadline. */
  private deadline: NodeJS.Timeout | undefined;
  /** A take answered, waiting for the taker's ack: (uid, id) of the recording kept meanwhile. */
  private pendingAck: { uid: number; id: string } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: ServerOptions,
    private readonly clients: Clients,
  ) {
    this.step(() => this.end(`no request within ${options.stepTimeoutMs / 1000} s`));
    clients.admit(this);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', () => this.cleanup()); // a client that went away: nothing to tell it
    socket.on('close', () => {
      this.cleanup();
      clearTimeout(this.deadline);
      clients.left(this, this.person);
      if (this.pendingAck) {
        logEvent('broker', 'kept', this.pendingAck, 'the taker left without acknowledging the recording: kept for the user (seccomp-gen gc, as that user, writes it)');
        this.pendingAck = undefined;
      }
    });
  }

  /** A new step: `onLate` runs if it is not over within the step timeout, whatever the client sends meanwhile. */
  private step(onLate: () => void): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(onLate, this.options.stepTimeoutMs);
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
      this.clients.refusals.refused('unproven', { uid: ticket.uid, op: request.op }, 'wrong ticket token');
      return this.end(`the token is not the one in the ticket: uid ${ticket.uid} not proven`);
    }
    removeTicket(ticket);
    const person = this.options.service.persons.of(ticket.uid);
    if (!this.clients.proven(this, person)) {
      const why = `${this.options.service.persons.describe(ticket.uid)}: its user has ${MAX_OPEN_PER_PERSON} exchanges open with the broker already, the most one user may: finish those first`;
      this.clients.refusals.refused(`uid ${person}`, { uid: ticket.uid, op: request.op }, why);
      return this.end(why);
    }
    this.person = person;
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
        this.step(() => this.socket.destroy()); // no ack in time: the close says it is kept
        this.socket.write(encodeMessage({ ok: true, recorded: taken.recorded, kept: taken.kept }));
      } else {
        this.end(undefined, service.list(uid));
      }
    } catch (e) {
      this.clients.refusals.refused(`uid ${this.person}`, { uid, op: request.op, id: 'id' in request ? request.id : undefined }, refusal(e));
      this.end(refusal(e));
    }
  }

  /** Answer (a refusal, or ok with `body`) and close. */
  end(error: string | undefined, body: Record<string, unknown> = {}): void {
    if (this.done) return;
    this.done = true;
    this.clients.answered(this);
    this.cleanup(); // one exchange per connection: its ticket is spent whatever the outcome
    this.step(() => this.socket.destroy()); // a client that does not close its end
    if (this.socket.destroyed || !this.socket.writable) return;
    this.socket.end(error === undefined ? encodeMessage({ ok: true, ...body }) : encodeMessage({ ok: false, error }));
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
  const clients = new Clients();
  const server = createServer((socket) => {
    open++;
    last = Date.now();
    socket.on('close', () => {
      open--;
      last = Date.now();
    });
    new Exchange(socket, options, clients);
  });
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
        close: () =>
          new Promise((r) =>
            server.close(() => {
              clients.refusals.flush();
              r();
            }),
          ),
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
