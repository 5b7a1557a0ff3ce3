import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpinAllBut, unpinNamespaces } from '../../src/tracing/hold.js';
import { usePrivateRunDir } from '../helpers.js';

const run = usePrivateRunDir('sg-hold-');

/** Files standing for held namespaces (nothing is mounted on them: umount(8) fails, and the files go all the same). */
function lay(names: string[]): string {
  const ns = join(run.dir, 'run', 'ns');
  mkdirSync(join(ns, 'mnt'), { recursive: true });
  for (const n of names) writeFileSync(join(ns, n), '');
  return ns;
}
const left = (ns: string) => [...readdirSync(ns).filter((n) => n !== 'mnt'), ...readdirSync(join(ns, 'mnt')).map((n) => `mnt/${n}`)].sort();

describe('held namespaces', () => {
  it('unpinAllBut lets go every held key but those named, reading keys back from the files\' names only where they are spelt as pinPath spells them', () => {
    const ns = lay(['pid-5', 'pid-6', 'pid-07', 'pid-', 'junk', 'mnt/mnt-7', 'mnt/pid-8', 'mnt-9']);
    unpinAllBut([{ kind: 'pid', inum: 5 }]);
    expect(left(ns)).toEqual(['junk', 'mnt-9', 'mnt/pid-8', 'pid-', 'pid-07', 'pid-5']);
  });

  it('unpinNamespaces lets go just these keys, and nothing happens for keys never held', () => {
    const ns = lay(['pid-5', 'pid-6', 'mnt/mnt-7']);
    unpinNamespaces([{ kind: 'pid', inum: 6 }, { kind: 'mnt', inum: 7 }, { kind: 'pid', inum: 99 }]);
    expect(left(ns)).toEqual(['pid-5']);
    expect(() => unpinNamespaces([{ kind: 'mnt', inum: 1 }])).not.toThrow();
  });
});
