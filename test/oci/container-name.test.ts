import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conmonName, specHostname } from '../../src/oci/container-name.js';

const ID = '4e2bce7e559bafd73b42385eb2184848a0f515adf4f03884d9966ee58b08d903';
/** A fake /proc: pid → [argv, parent]. */
function proc(tree: Record<number, [string[], number]>) {
  return (path: string): string => {
    const [, , pid, file] = path.split('/');
    const entry = tree[Number(pid)];
    if (!entry) throw new Error(`ENOENT ${path}`);
    if (file === 'cmdline') return `${entry[0].join('\0')}\0`;
    return `${pid} (name with ) and spaces) S ${entry[1]} 1 1 0`;
  };
}
const conmon = (id: string, name: string) => ['/usr/bin/conmon', '--api-version', '1', '-c', id, '-u', id, '-r', '/usr/bin/runc', '-n', name, '--exit-dir', '/run/libpod/exits'];

describe('conmonName', () => {
  it('is the -n of the conmon above the runtime that runs the hook, as podman starts it', () => {
    const read = proc({ 100: [['/usr/bin/runc', 'create', '--bundle', '/b', ID], 90], 90: [conmon(ID, 'ls-trace-ls'), 1] });
    expect(conmonName(ID, 100, read)).toBe('ls-trace-ls');
  });
  it('goes up through a wrapper runtime, and takes --cid/--name too', () => {
    const read = proc({ 100: [['crun', 'create', ID], 95], 95: [['sh', '-c', 'exec crun'], 90], 90: [['conmon', `--cid=${ID}`, '--name', 'web'], 1] });
    expect(conmonName(ID, 100, read)).toBe('web');
  });
  it('takes no name from another container\'s conmon, none above, or a /proc that fails', () => {
    expect(conmonName(ID, 100, proc({ 100: [['runc'], 90], 90: [conmon('other', 'x'), 1] }))).toBeUndefined();
    expect(conmonName(ID, 100, proc({ 100: [['podman', 'container', 'cleanup'], 1] }))).toBeUndefined();
    expect(conmonName(ID, 100, proc({}))).toBeUndefined();
    const deep = proc({ 100: [['a'], 101], 101: [['b'], 102], 102: [['c'], 103], 103: [['d'], 104], 104: [['e'], 105], 105: [conmon(ID, 'far'), 1] });
    expect(conmonName(ID, 100, deep)).toBeUndefined();
  });
});

describe('specHostname', () => {
  it('is the HOSTNAME the spec gives the process; undefined without one or without a readable spec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-spec-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ process: { env: ['PATH=/bin', 'HOSTNAME=ls-trace'] } }));
      expect(specHostname(dir)).toBe('ls-trace');
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ process: { env: ['PATH=/bin'] } }));
      expect(specHostname(dir)).toBeUndefined();
      expect(specHostname(join(dir, 'missing'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
