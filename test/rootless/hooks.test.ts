import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rootlessPoststop } from '../../src/rootless/hooks.js';
import { askBroker, NO_BROKER_HELP } from '../../src/rootless/client.js';
import { userDoneDir } from '../../src/rootless/user-state.js';
import { markDone, takeDone } from '../../src/state/done.js';

const saved = process.env.SECCOMP_GEN_USER_RUN_DIR;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-rootless-'));
  process.env.SECCOMP_GEN_USER_RUN_DIR = join(dir, 'user-run');
});
afterEach(() => {
  if (saved === undefined) delete process.env.SECCOMP_GEN_USER_RUN_DIR;
  else process.env.SECCOMP_GEN_USER_RUN_DIR = saved;
});
const state = (id: string) => ({ ociVersion: '1.0.2', id, status: 'stopped', bundle: '/b' });
const UID = 4242;

describe('rootlessPoststop, before any broker is asked', () => {
  it('a second poststop finds the first one\'s mark and says again (the mark used up)', async () => {
    markDone('c1', { reason: 'taken', detail: '/home/u/c1.json' }, userDoneDir(UID));
    expect(await rootlessPoststop(state('c1'), UID, true)).toMatchObject({ output: '/home/u/c1.json', syscalls: 0, note: { event: 'again' } });
    expect(takeDone('c1', userDoneDir(UID))).toBeNull();
  });

  it('with no record: nothing for a container no key names, and "the prestart hook did not run" for one that asked', async () => {
    expect(await rootlessPoststop(state('c2'), UID, false)).toEqual({ output: '', syscalls: 0, warnings: [] });
    await expect(rootlessPoststop(state('c2'), UID, true)).rejects.toThrow(/container c2 was not traced: the prestart hook did not run/);
  });
});

describe('askBroker', () => {
  it('says how to get a broker when none listens', async () => {
    await expect(askBroker({ op: 'list' }, { uid: UID, socketPath: join(dir, 'no.sock'), timeoutMs: 2000 })).rejects.toThrow(NO_BROKER_HELP.slice(0, 40));
  });
});
