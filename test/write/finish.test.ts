import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputPolicy } from '../../src/policy/output-policy.js';
import type { TargetRecord } from '../../src/state/targets.js';
import { notTraced, ranAgain, writeProfileOf } from '../../src/write/finish.js';

const SELF = outputPolicy({ self: true });
const record = (output: string): TargetRecord => ({ version: 1, id: 'c1', key: { kind: 'pid', inum: 5 }, mode: 'all', pid: 1, output, replay: { filtered: false, defaultErrnoRet: 38, errnoRules: [] }, startedAt: new Date().toISOString() });
const RECORDED = { flags: 0n, syscalls: { native: [0, 1, 60], compat: [], x32: [] } };

describe('writeProfileOf', () => {
  it('writes the profile of a recording to of:, counting its allowed calls, and notes an unfiltered run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-finish-'));
    const out = join(dir, 'p.json');
    const done = writeProfileOf(record(out), RECORDED, undefined, { policy: SELF });
    const profile = JSON.parse(readFileSync(out, 'utf8'));
    expect(profile.defaultAction).toBeDefined();
    expect(done.output).toBe(out);
    expect(done.syscalls).toBe(profile.syscalls.filter((r: { action: string }) => r.action === 'SCMP_ACT_ALLOW').reduce((n: number, r: { names: string[] }) => n + r.names.length, 0));
    expect(done.syscalls).toBeGreaterThanOrEqual(3);
    expect(done.warnings.length).toBeGreaterThanOrEqual(1); // mode all: the unfiltered note
  });

  it('keeps the profile in keepDir, and says so, when of: cannot be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-finish-'));
    const keep = join(dir, 'kept');
    expect(() => writeProfileOf(record(join(dir, 'no/such/dir/p.json')), RECORDED, undefined, { policy: SELF, keepDir: keep })).toThrow(new RegExp(`the profile was kept in ${join(keep, 'c1.json')}`));
    expect(JSON.parse(readFileSync(join(keep, 'c1.json'), 'utf8')).syscalls.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});

describe('poststop outcomes', () => {
  it('ranAgain: nothing to write, and why, for the log', () => {
    expect(ranAgain('/o.json')).toEqual({ output: '/o.json', syscalls: 0, warnings: [], note: { event: 'again', detail: expect.stringContaining('poststop ran again') } });
  });

  it('notTraced: a TARGET error naming the container and the prestart stage', () => {
    const e = notTraced('abc');
    expect(e.code).toBe('TARGET');
    expect(e.message).toBe('container abc was not traced: the prestart hook did not run (is seccomp-gen installed for the prestart stage?)');
  });
});
