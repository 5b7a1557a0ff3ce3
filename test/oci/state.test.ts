import { describe, expect, it } from 'vitest';
import { parseOciState } from '../../src/oci/state.js';
import { SeccompGenError } from '../../src/errors.js';

const ID = 'c5d7e5f3a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c';

function stateError(text: string): SeccompGenError {
  try {
    parseOciState(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    expect((e as SeccompGenError).code).toBe('STATE');
    return e as SeccompGenError;
  }
  throw new Error('state was accepted');
}

describe('parseOciState', () => {
  it('reads a prestart state', () => {
    const state = parseOciState(
      JSON.stringify({
        ociVersion: '1.0.2-dev',
        id: ID,
        status: 'creating',
        pid: 4242,
        bundle: `/var/lib/containers/storage/overlay-containers/${ID}/userdata`,
        annotations: { 'io.containers.trace-syscall': 'of:/tmp/ls.json', 'io.podman.annotations.autoremove': 'FALSE' },
      }),
    );
    expect(state.id).toBe(ID);
    expect(state.status).toBe('creating');
    expect(state.pid).toBe(4242);
    expect(state.annotations?.['io.containers.trace-syscall']).toBe('of:/tmp/ls.json');
  });

  it('reads a poststop state, which has no pid', () => {
    const state = parseOciState(JSON.stringify({ id: ID, status: 'stopped', bundle: '/run/b', annotations: {} }));
    expect(state.status).toBe('stopped');
    expect(state.pid).toBeUndefined();
  });

  it('accepts and ignores fields it does not know (runtimes add their own)', () => {
    const state = parseOciState(JSON.stringify({ id: 'abc', status: 'creating', pid: 1, bundle: '/b', extra: 1 }));
    expect(state).toEqual({ id: 'abc', status: 'creating', pid: 1, bundle: '/b' });
  });

  it('refuses text that is not JSON', () => {
    expect(stateError('not json').message).toMatch(/not JSON/);
    expect(stateError('').message).toMatch(/not JSON/);
  });

  it.each([
    ['a slash', 'a/b'],
    ['..', '..'],
    ['a path', '../../etc/passwd'],
    ['a leading dot', '.hidden'],
    ['an empty id', ''],
  ])('refuses an id with %s', (_what, id) => {
    const e = stateError(JSON.stringify({ id, status: 'creating', pid: 1, bundle: '/b' }));
    expect(e.message).toMatch(/^the OCI state on stdin is invalid: id: /);
  });

  it('refuses a relative bundle', () => {
    expect(stateError(JSON.stringify({ id: 'abc', status: 'creating', bundle: 'rel/dir' })).message).toMatch(
      /bundle: must be an absolute path/,
    );
  });

  it('refuses a missing id or status, and a pid that is not a positive integer', () => {
    expect(stateError(JSON.stringify({ status: 'creating', bundle: '/b' })).message).toMatch(/invalid: id/);
    expect(stateError(JSON.stringify({ id: 'abc', bundle: '/b' })).message).toMatch(/invalid: status/);
    expect(stateError(JSON.stringify({ id: 'abc', status: 'x', bundle: '/b', pid: 0 })).message).toMatch(/invalid: pid/);
    expect(stateError(JSON.stringify({ id: 'abc', status: 'x', bundle: '/b', pid: 1.5 })).message).toMatch(/invalid: pid/);
  });

  it('refuses annotations that are not strings', () => {
    expect(stateError(JSON.stringify({ id: 'abc', status: 'x', bundle: '/b', annotations: { a: 1 } })).message).toMatch(
      /invalid: annotations\.a/,
    );
  });
});
