import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readReplayAnswers, replayAnswersOf } from '../../src/oci/bundle.js';
import { UNFILTERED } from '../../src/oci/replay.js';
import { seccompGenErrorOf } from '../helpers.js';

const BUNDLES = fileURLToPath(new URL('../fixtures/bundles/', import.meta.url));

describe('replayAnswersOf', () => {
  it('podman-like: default ENOSYS, unconditional EPERM rules kept, an args-conditioned errno rule kept as a conditional answer', () => {
    const answers = replayAnswersOf({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        { names: ['bdflush', 'kexec_load', 'vmsplice'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        {
          names: ['socket'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 22,
          args: [{ index: 0, value: 40, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
        },
      ],
    });
    expect(answers).toEqual({
      filtered: true,
      defaultErrnoRet: 38,
      errnoRules: [{ names: ['bdflush', 'kexec_load', 'vmsplice'], errnoRet: 1 }],
      conditionalRules: [{ names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 40, op: 'SCMP_CMP_EQ' }] }],
      cloneAllowed: false,
    });
  });

  it('says whether the filter allowed clone with any arguments (a profile may then offer it for clone3)', () => {
    const allow = (args?: unknown[]) => replayAnswersOf({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', ...(args ? { args } : {}) }] }).cloneAllowed;
    expect(allow()).toBe(true);
    expect(allow([{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }])).toBe(false); // only under conditions: those are carried instead
    expect(replayAnswersOf({ defaultAction: 'SCMP_ACT_ALLOW' }).cloneAllowed).toBe(true);
    expect(replayAnswersOf({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['clone'], action: 'SCMP_ACT_ERRNO' }] }).cloneAllowed).toBe(false);
  });

  it('keeps the conditional ALLOW rules of names the filter allows only under conditions, never of names it also allows outright', () => {
    const answers = replayAnswersOf({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      syscalls: [
        { names: ['read', 'ioctl'], action: 'SCMP_ACT_ALLOW' },
        { names: ['personality', 'ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] },
      ],
    });
    expect(answers.conditionalRules).toEqual([
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] },
      // an ERRNO with no errnoRet answers EPERM, said explicitly
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] },
    ]);
  });

  it('with an ALLOW default, conditional ALLOWs say nothing and are not kept', () => {
    const answers = replayAnswersOf({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] }],
    });
    expect(answers.conditionalRules).toBeUndefined();
  });

  it('docker-like: default EPERM, clone3 answered ENOSYS', () => {
    const answers = replayAnswersOf({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      syscalls: [
        { names: ['clone', 'read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    });
    expect(answers).toEqual({ filtered: true, defaultErrnoRet: 1, errnoRules: [{ names: ['clone3'], errnoRet: 38 }], cloneAllowed: true });
  });

  it('an ERRNO default or rule with no errnoRet answers EPERM', () => {
    const answers = replayAnswersOf({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }],
    });
    expect(answers).toEqual({ filtered: true, defaultErrnoRet: 1, errnoRules: [{ names: ['mkdir'], errnoRet: 1 }], cloneAllowed: false });
  });

  it('an empty args list is no condition', () => {
    const answers = replayAnswersOf({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['a'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, args: [] },
        { names: ['b'], action: 'SCMP_ACT_ERRNO', errnoRet: 38, args: null },
      ],
    });
    expect(answers.errnoRules).toEqual([
      { names: ['a'], errnoRet: 38 },
      { names: ['b'], errnoRet: 38 },
    ]);
  });

  it('no seccomp filter: unfiltered', () => {
    expect(replayAnswersOf(undefined)).toEqual(UNFILTERED);
    expect(replayAnswersOf(null)).toEqual({ filtered: false, errnoRules: [] });
  });

  it('defaultAction ALLOW: filtered, with no default errno', () => {
    const answers = replayAnswersOf({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    });
    expect(answers.filtered).toBe(true);
    expect(answers.defaultErrnoRet).toBeUndefined();
    expect(answers.errnoRules).toEqual([{ names: ['ptrace'], errnoRet: 1 }]);
  });

  it('a filter with syscalls: null', () => {
    expect(replayAnswersOf({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 38, syscalls: null })).toEqual({
      filtered: true,
      defaultErrnoRet: 38,
      errnoRules: [],
      cloneAllowed: false,
    });
  });
});

describe('readReplayAnswers', () => {
  it('reads a podman bundle', () => {
    const answers = readReplayAnswers(join(BUNDLES, 'podman'));
    expect(answers.filtered).toBe(true);
    expect(answers.defaultErrnoRet).toBe(38);
    expect(answers.errnoRules).toHaveLength(1);
    expect(answers.errnoRules[0]?.errnoRet).toBe(1);
    expect(answers.errnoRules[0]?.names).toContain('vmsplice');
    // The AF_VSOCK socket rule has argument filters: socket must not be answered EINVAL.
    expect(answers.errnoRules.flatMap((r) => r.names)).not.toContain('socket');
  });

  it('reads a docker bundle', () => {
    expect(readReplayAnswers(join(BUNDLES, 'docker'))).toEqual({
      filtered: true,
      defaultErrnoRet: 1,
      errnoRules: [{ names: ['clone3'], errnoRet: 38 }],
      cloneAllowed: true,
    });
  });

  it('reads a bundle with no linux.seccomp as unfiltered', () => {
    expect(readReplayAnswers(join(BUNDLES, 'unconfined'))).toEqual(UNFILTERED);
  });

  describe('in a temporary bundle', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'sg-bundle-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('a config with no linux section is unfiltered', () => {
      writeFileSync(join(dir, 'config.json'), '{"ociVersion":"1.0.2"}');
      expect(readReplayAnswers(dir)).toEqual(UNFILTERED);
    });

    it('bad JSON: the error names the file and where', () => {
      writeFileSync(join(dir, 'config.json'), '{\n  "linux": {,\n}');
      const e = seccompGenErrorOf(() => readReplayAnswers(dir));
      expect(e.message).toContain(join(dir, 'config.json'));
      expect(e.message).toMatch(/not valid JSON \(line 2, column \d+\)/);
    });

    it('JSON that is not an OCI config: the error names the file', () => {
      writeFileSync(join(dir, 'config.json'), '{"linux":{"seccomp":{"defaultAction":7}}}');
      const e = seccompGenErrorOf(() => readReplayAnswers(dir));
      expect(e.code).toBe('STATE');
      expect(e.message).toBe(`${join(dir, 'config.json')}: not an OCI runtime config (linux.seccomp.defaultAction: expected a string)`);
    });

    it('no config.json: the error names the file', () => {
      const e = seccompGenErrorOf(() => readReplayAnswers(dir));
      expect(e.message).toContain(join(dir, 'config.json'));
      expect(e.message).toMatch(/ENOENT/);
    });

    it('config.json that is a directory is refused', () => {
      mkdirSync(join(dir, 'config.json'));
      const e = seccompGenErrorOf(() => readReplayAnswers(dir));
      expect(e.message).toBe(`${join(dir, 'config.json')}: not a regular file`);
    });
  });
});
