import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emit, needFiles, targetFrom } from '../../src/cli/profile-io.js';

describe('profile I/O of the toolkit commands', () => {
  it('needFiles: says how many files it wants', () => {
    expect(() => needFiles([], 1, 1)).toThrow('give 1 profile file (see --help)');
    expect(() => needFiles(['a'], 2)).toThrow('give at least 2 profile files (see --help)');
    expect(() => needFiles(['a', 'b', 'c'], 1, 2, 'input')).toThrow('give 1 to 2 input files (see --help)');
    expect(() => needFiles(['a', 'b'], 1, 2)).not.toThrow();
  });

  it('targetFrom: capabilities as given (with or without CAP_, any case, comma-separated), a Go arch, a kernel', () => {
    const t = targetFrom({ arch: 'arm64', cap: ['sys_admin,CAP_NET_ADMIN', ' bpf '], kernel: '5.10' });
    expect(t.arch).toBe('arm64');
    expect(targetFrom({ arch: 'SCMP_ARCH_X86_64' }).arch).toBe('amd64'); // the libseccomp name, as moby's Go name
    expect([...t.caps].sort()).toEqual(['CAP_BPF', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN']);
    expect(t.kernel).toBe('5.10');
  });

  it('emit: writes the file whole when given one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-emit-'));
    emit('{"x":1}\n', join(dir, 'out.json'));
    expect(readFileSync(join(dir, 'out.json'), 'utf8')).toBe('{"x":1}\n');
  });
});
