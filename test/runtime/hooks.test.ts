import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOOK_ENTRY } from '../../src/hooks/definitions.js';
import { isOurHook, ourHooks } from '../../src/runtime/hooks.js';

describe('isOurHook', () => {
  it('knows node <our bundle> prestart|poststop, and nothing else', () => {
    expect(isOurHook({ path: process.execPath, args: ['node', HOOK_ENTRY, 'prestart'] })).toBe(true);
    expect(isOurHook({ path: process.execPath, args: ['node', HOOK_ENTRY, 'poststop'] })).toBe(true);
    expect(isOurHook({ path: process.execPath, args: ['node', HOOK_ENTRY, 'createRuntime'] })).toBe(false);
    expect(isOurHook({ path: '/usr/bin/other', args: ['other', '/opt/other/main.cjs', 'prestart'] })).toBe(false); // no seccomp-gen package beside it
    expect(isOurHook({ path: 'x' })).toBe(false);
    expect(isOurHook(null)).toBe(false);
  });
});

describe('ourHooks', () => {
  it('runs the bundle for each stage, handing on SECCOMP_GEN_* settings but not the wrapper\'s own', () => {
    if (!existsSync(HOOK_ENTRY)) {
      expect(() => ourHooks({})).toThrow(/hook bundle .* is missing \(a source checkout needs npm run build\)/);
      return;
    }
    const hooks = ourHooks({ SECCOMP_GEN_RUN_DIR: '/run/x', SECCOMP_GEN_WRAPPED: '1', SECCOMP_GEN_RUNTIME: 'runc', SECCOMP_GEN_LOG: 'a\nb', OTHER: 'y' });
    for (const stage of ['prestart', 'poststop'] as const) {
      expect(hooks[stage].args.slice(1)).toEqual([HOOK_ENTRY, stage]);
      expect(isOurHook(hooks[stage])).toBe(true);
      expect(hooks[stage].env).toContain('SECCOMP_GEN_RUN_DIR=/run/x');
      expect(hooks[stage].env?.some((v) => /^(SECCOMP_GEN_WRAPPED|SECCOMP_GEN_RUNTIME|SECCOMP_GEN_LOG|OTHER)=/.test(v))).toBe(false);
    }
  });
});
