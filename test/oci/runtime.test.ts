import { describe, expect, it } from 'vitest';
import { runtimeName, runtimeNameOf } from '../../src/oci/runtime.js';

describe('runtimeNameOf', () => {
  it('takes the executable\'s name when its path says one', () => {
    expect(runtimeNameOf('/usr/sbin/runc', 'runc\n')).toBe('runc');
    expect(runtimeNameOf('/usr/bin/crun', 'crun\n')).toBe('crun');
    expect(runtimeNameOf('/usr/bin/crun (deleted)', 'crun\n')).toBe('crun'); // upgraded while running
  });

  it('crun seen from another mount namespace shows "/" as its exe: the comm says crun (was runc\'s allowance)', () => {
    expect(runtimeNameOf('/', 'crun\n')).toBe('crun');
  });

  it('a runtime re-executed from a memfd is named by the memfd', () => {
    expect(runtimeNameOf('/memfd:crun (deleted)', '3\n')).toBe('crun');
  });

  it('says nothing when neither does', () => {
    expect(runtimeNameOf(undefined, undefined)).toBeUndefined();
    expect(runtimeNameOf('/', '\n')).toBeUndefined();
  });
});

describe('runtimeName', () => {
  it('reads the parent process (here: whatever runs the tests)', () => {
    expect(runtimeName(process.pid)).toBe('node');
    expect(runtimeName(2 ** 22 + 1)).toBeUndefined(); // no such process
  });
});
