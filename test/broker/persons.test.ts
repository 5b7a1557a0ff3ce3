import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Persons, parsePasswd, parseSubids, personOf } from '../../src/broker/persons.js';

const SUBUID = `# ranges handed out by useradd
alice:100000:65536
1500:165536:65536
ghost:231072:65536
not a line
`;
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nalice:x:1001:1001::/home/alice:/bin/sh\n';

describe('the person behind a uid', () => {
  const ranges = parseSubids(SUBUID);
  const names = parsePasswd(PASSWD);
  const of = (uid: number) => personOf(uid, ranges, (n) => names.get(n));

  it('a subordinate uid is the user whose range holds it, by name or by uid', () => {
    expect(ranges).toEqual([
      { owner: 'alice', start: 100000, count: 65536 },
      { owner: '1500', start: 165536, count: 65536 },
      { owner: 'ghost', start: 231072, count: 65536 },
    ]);
    expect([of(100000), of(100001), of(165535)]).toEqual([1001, 1001, 1001]);
    expect([of(165536), of(231071)]).toEqual([1500, 1500]);
  });

  it('a uid in no range is its own person; a range whose owner has no uid is one person still', () => {
    expect([of(0), of(1001), of(99999), of(296608)]).toEqual([0, 1001, 99999, 296608]);
    expect([of(231072), of(296607)]).toEqual([231072, 231072]);
  });

  it('follows /etc/subuid when it changes, and names a subordinate uid with its user', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-persons-'));
    try {
      const files = { subuid: join(dir, 'subuid'), passwd: join(dir, 'passwd') };
      writeFileSync(files.passwd, PASSWD);
      const persons = new Persons(files); // no subuid file yet: everyone is themselves
      expect(persons.of(100001)).toBe(100001);
      writeFileSync(files.subuid, SUBUID);
      expect(persons.of(100001)).toBe(1001);
      expect(persons.describe(100001)).toBe('uid 100001 (a subordinate uid of uid 1001)');
      expect(persons.describe(1001)).toBe('uid 1001');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
