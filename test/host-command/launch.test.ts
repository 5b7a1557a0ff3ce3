import { describe, expect, it } from 'vitest';
import { HOLD_SCRIPT, launch, procState } from '../../src/host-command/launch.js';
import { hostCommandId } from '../../src/host-command/run.js';
import { CONTAINER_ID } from '../../src/oci/state.js';

describe('procState', () => {
  it('reads the state after the command name, whatever the name holds', () => {
    expect(procState('123 (sh) S 1 123 123 0 -1')).toBe('S');
    expect(procState('123 (a) b) (c) R 1 123')).toBe('R');
    expect(procState('garbage')).toBeUndefined();
  });
});

describe('HOLD_SCRIPT', () => {
  it('execs the command only after a line, closing the channel; exit 125 on EOF', () => {
    expect(HOLD_SCRIPT).toMatch(/read -r go <&3 \|\| exit 125; exec "\$@" 3>&-$/);
  });
});

describe('hostCommandId', () => {
  it('is a valid target id no container id looks like', () => {
    const id = hostCommandId(4242, 1_700_000_000_000);
    expect(id).toMatch(/^record-4242-/);
    expect(CONTAINER_ID.test(id)).toBe(true);
  });
});

describe('launch', () => {
  it('refuses an empty command', async () => {
    await expect(launch([])).rejects.toThrow(/no command given/);
  });

  it('says what is missing when unshare is not there', async () => {
    await expect(launch(['true'], { unshare: '/no/such/unshare' })).rejects.toThrow(/needs util-linux's unshare/);
  });
});
