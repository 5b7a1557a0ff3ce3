import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { listUnwritten, setAside } from '../../src/state/unwritten.js';
import type { TargetRecord } from '../../src/state/targets.js';
import { startWriters, writeAll } from '../../src/write/writer.js';
import { usePrivateRunDir } from '../helpers.js';

const scratch = usePrivateRunDir('sg-writer-');

const record = (id: string): TargetRecord => ({
  version: 1,
  id,
  key: { kind: 'pid', inum: 5 },
  mode: 'filtered',
  pid: 9,
  output: `/srv/out/${id}.json`,
  replay: { filtered: true, defaultErrnoRet: 38, errnoRules: [] },
  startedAt: '2026-01-01T00:00:00.000Z',
  owner: { uid: 1000 },
});
const config = (writeTimeoutSeconds: number): Config => ({ prestartTimeoutSeconds: 5, failOpen: false, logFile: '/dev/null', argumentFilters: true, writeTimeoutSeconds });

/** A stand-in for the hook bundle's writer stage: `hangs` blocks as on a frozen filesystem, `writes` reports success. */
function fakeEntry(behaviour: 'hangs' | 'writes'): string {
  const path = join(scratch.dir, `${behaviour}.cjs`);
  writeFileSync(
    path,
    behaviour === 'hangs'
      ? 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);\n'
      : 'process.stdout.write(JSON.stringify({ id: process.argv[3], action: "collected", detail: "profile written to /srv/out/x.json" }) + "\\n");\n',
  );
  chmodSync(path, 0o755);
  return path;
}

describe('writers of set-aside recordings', () => {
  it('kill a writer that hangs at the time limit; the recording stays, with the reason', async () => {
    setAside(record('hung'), { flags: 1n, syscalls: { native: [0], compat: [], x32: [] } });
    const started = Date.now();
    const events = await writeAll(['hung'], config(1), fakeEntry('hangs'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(events).toEqual([{ id: 'hung', action: 'unwritten', detail: 'writing the profile to /srv/out/hung.json did not finish within 1 s (writeTimeoutSeconds; a hung filesystem?)' }]);
    const [item] = listUnwritten();
    expect(item?.note).toMatchObject({ reason: events[0]!.detail, output: '/srv/out/hung.json', uid: 1000 });
  });

  it('hand back what each writer reports', async () => {
    setAside(record('ok'), { flags: 1n, syscalls: { native: [0], compat: [], x32: [] } });
    const writers = startWriters(['ok'], config(5), fakeEntry('writes'));
    expect(writers.map((w) => w.id)).toEqual(['ok']);
    expect(await writers[0]!.done).toEqual({ id: 'ok', action: 'collected', detail: 'profile written to /srv/out/x.json' });
  });
});
