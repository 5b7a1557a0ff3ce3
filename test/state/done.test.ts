import { existsSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markDone, pruneDone, takeDone } from '../../src/state/done.js';
import { doneDir } from '../../src/state/paths.js';
import { usePrivateRunDir } from '../helpers.js';

usePrivateRunDir('sg-done-');
const ID = (n: number) => `c${'0'.repeat(62)}${n}`;
const MIN = 60_000;
const age = (id: string, ms: number) => {
  const t = (Date.now() - ms) / 1000;
  utimesSync(join(doneDir(), `${id}.json`), t, t);
};

describe('done markers', () => {
  it('a marker is read once: the poststop that reads it removes it', () => {
    markDone(ID(1), { reason: 'taken', detail: '/tmp/out.json' });
    expect(takeDone(ID(1))).toEqual({ reason: 'taken', detail: '/tmp/out.json' });
    expect(takeDone(ID(1))).toBeNull();
  });

  it("a poststop's own marker goes after ten minutes, gc's and fail-open's after a day", () => {
    markDone(ID(1), { reason: 'taken', detail: '/a.json' });
    markDone(ID(2), { reason: 'collected', detail: '/b.json' });
    markDone(ID(3), { reason: 'untraced', detail: 'no BTF' });
    markDone(ID(4), { reason: 'taken', detail: '/d.json' });
    for (const n of [1, 2, 3]) age(ID(n), 11 * MIN);
    age(ID(4), 9 * MIN);
    expect(pruneDone()).toBe(1);
    expect([1, 2, 3, 4].map((n) => existsSync(join(doneDir(), `${ID(n)}.json`)))).toEqual([false, true, true, true]);
    for (const n of [2, 3]) age(ID(n), 25 * 60 * MIN);
    expect(pruneDone()).toBe(2);
    expect(takeDone(ID(4))).toEqual({ reason: 'taken', detail: '/d.json' });
  });
});
