import { describe, expect, it } from 'vitest';
import { primaryGroup } from '../../src/io/identity.js';
import { containerOwner, parseLoginUid } from '../../src/oci/owner.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1001:Alice:/home/alice:/bin/sh\n';

function files(loginuid: string | Error): (p: string) => string {
  return (p) => {
    if (p.endsWith('/loginuid')) {
      if (loginuid instanceof Error) throw loginuid;
      return loginuid;
    }
    if (p === '/etc/passwd') return PASSWD;
    throw new Error(`unexpected ${p}`);
  };
}

describe('the owner of a container profile', () => {
  it('parses a loginuid; 4294967295 is unset', () => {
    expect(parseLoginUid('1000')).toBe(1000);
    expect(parseLoginUid('4294967295')).toBeUndefined();
    expect(parseLoginUid('')).toBeUndefined();
    expect(parseLoginUid('-1')).toBeUndefined();
    expect(parseLoginUid('99999999999')).toBeUndefined();
  });

  it('finds the primary group in /etc/passwd', () => {
    expect(primaryGroup(1000, PASSWD)).toBe(1001);
    expect(primaryGroup(2000, PASSWD)).toBeUndefined();
  });

  it('is the login uid of the container process, with its primary group', () => {
    expect(containerOwner(42, files('1000'))).toEqual({ uid: 1000, gid: 1001 });
    expect(containerOwner(42, files('2000'))).toEqual({ uid: 2000 });
  });

  it('is unknown (file stays root\'s) when unset, root, or unreadable', () => {
    expect(containerOwner(42, files('4294967295'))).toBeUndefined();
    expect(containerOwner(42, files('0'))).toBeUndefined();
    expect(containerOwner(42, files(new Error('ENOENT')))).toBeUndefined();
  });
});
