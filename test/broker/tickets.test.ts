import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokerSocketPath, ticketsDir } from '../../src/broker/paths.js';
import { clearTickets, issueTicket, removeTicket, ticketMatches } from '../../src/broker/tickets.js';
import { usePrivateRunDir } from '../helpers.js';

const run = usePrivateRunDir('sg-tickets-');
const me = process.getuid!(); // a ticket of our own uid: fchown to it needs no root

describe('broker paths', () => {
  it('live under the run dir', () => {
    expect(brokerSocketPath()).toBe(join(run.dir, 'run', 'broker.sock'));
    expect(ticketsDir()).toBe(join(run.dir, 'run', 'broker', 'tickets'));
  });
});

describe('tickets', () => {
  it('a ticket is a 0400 file of its uid holding a fresh 256-bit token, in a 0711 directory', () => {
    const t = issueTicket(me);
    const st = statSync(t.path);
    expect(st.mode & 0o777).toBe(0o400);
    expect(st.uid).toBe(me);
    expect(statSync(ticketsDir()).mode & 0o777).toBe(0o711);
    expect(readFileSync(t.path, 'utf8')).toBe(t.token);
    expect(t.token).toMatch(/^[0-9a-f]{64}$/);
    expect(issueTicket(me).token).not.toBe(t.token);
  });

  it('matches only its own token, and is gone once removed or cleared', () => {
    const t = issueTicket(me);
    expect(ticketMatches(t, t.token)).toBe(true);
    expect(ticketMatches(t, t.token.replace(/.$/, (c) => (c === '0' ? '1' : '0')))).toBe(false);
    expect(ticketMatches(t, t.token.slice(1))).toBe(false);
    removeTicket(t);
    expect(existsSync(t.path)).toBe(false);
    expect(() => removeTicket(t)).not.toThrow();
    const left = issueTicket(me);
    writeFileSync(join(ticketsDir(), 'stray'), 'x');
    clearTickets();
    expect(existsSync(left.path)).toBe(false);
    expect(existsSync(join(ticketsDir(), 'stray'))).toBe(false);
  });
});
