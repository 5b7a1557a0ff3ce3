import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES, ProtocolError, encodeMessage, parseReply, parseRequest } from '../../src/broker/protocol.js';

const TOKEN = 'a'.repeat(64);
const ID = 'c0ffee'.repeat(10);
const line = (o: unknown) => JSON.stringify(o);

describe('parseRequest', () => {
  it('accepts each request of the protocol', () => {
    expect(parseRequest(line({ v: 1, op: 'hello', uid: 1001 }))).toEqual({ op: 'hello', uid: 1001 });
    expect(parseRequest(line({ v: 1, op: 'register', token: TOKEN, id: ID, pid: 42, mode: 'filtered' }))).toEqual({ op: 'register', token: TOKEN, id: ID, pid: 42, mode: 'filtered' });
    expect(parseRequest(line({ v: 1, op: 'take', token: TOKEN, id: ID }))).toEqual({ op: 'take', token: TOKEN, id: ID });
    expect(parseRequest(line({ v: 1, op: 'list', token: TOKEN }))).toEqual({ op: 'list', token: TOKEN });
    expect(parseRequest(line({ v: 1, op: 'ack' }))).toEqual({ op: 'ack' });
  });

  it.each([
    ['not JSON', '{"v":1,', /not JSON/],
    ['an array', '[1]', /not a JSON object/],
    ['another version', line({ v: 2, op: 'hello', uid: 1 }), /protocol version 2 is not 1/],
    ['no version', line({ op: 'hello', uid: 1 }), /protocol version undefined/],
    ['an unknown op', line({ v: 1, op: 'load', uid: 1 }), /unknown "op" "load"/],
    ['op from the prototype', line({ v: 1, op: 'toString' }), /unknown "op"/],
    ['an extra field', line({ v: 1, op: 'hello', uid: 1, path: '/etc/shadow' }), /unexpected field "path"/],
    ['an ack with an id', line({ v: 1, op: 'ack', id: ID }), /unexpected field "id" in ack/],
    ['a negative uid', line({ v: 1, op: 'hello', uid: -1 }), /"uid" must be an integer/],
    ['a uid of (uid_t)-1', line({ v: 1, op: 'hello', uid: 4294967295 }), /"uid" must be an integer/],
    ['a fractional pid', line({ v: 1, op: 'register', token: TOKEN, id: ID, pid: 1.5, mode: 'all' }), /"pid" must be an integer/],
    ['pid 0', line({ v: 1, op: 'register', token: TOKEN, id: ID, pid: 0, mode: 'all' }), /"pid" must be an integer/],
    ['a pid as a string', line({ v: 1, op: 'register', token: TOKEN, id: ID, pid: '42', mode: 'all' }), /"pid" must be an integer/],
    ['a path as id', line({ v: 1, op: 'take', token: TOKEN, id: '../../etc/passwd' }), /"id" is not a container id/],
    ['a short token', line({ v: 1, op: 'list', token: 'abc' }), /"token" is not a ticket token/],
    ['no token', line({ v: 1, op: 'list' }), /"token" is missing/],
    ['an unknown mode', line({ v: 1, op: 'register', token: TOKEN, id: ID, pid: 2, mode: 'everything' }), /"mode" must be/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseRequest(text)).toThrow(ProtocolError);
    expect(() => parseRequest(text)).toThrow(message);
  });

  it('refuses a line longer than the limit before parsing it', () => {
    const big = line({ v: 1, op: 'hello', uid: 1, pad: 'x'.repeat(MAX_REQUEST_BYTES) });
    expect(() => parseRequest(big)).toThrow(/longer than 65536 bytes/);
  });
});

describe('replies', () => {
  it('carry bigints (the recorder data) both ways, one line each', () => {
    const text = encodeMessage({ ok: true, recorded: { flags: 3n, syscalls: { native: [0, 1], compat: [], x32: [] } } });
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().includes('\n')).toBe(false);
    expect(parseReply(text.trim())).toEqual({ v: 1, ok: true, recorded: { flags: 3n, syscalls: { native: [0, 1], compat: [], x32: [] } } });
  });

  it('refuse a reply of another version or shape', () => {
    expect(() => parseReply(line({ v: 2, ok: true }))).toThrow(/protocol version 2/);
    expect(() => parseReply(line({ v: 1 }))).toThrow(/not a reply/);
    expect(() => parseReply('nope')).toThrow(/not JSON/);
  });
});
