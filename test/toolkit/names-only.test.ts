import { describe, expect, it } from 'vitest';
import { namesOnly } from '../../src/toolkit/names-only.js';

describe('namesOnly', () => {
  it('drops argument conditions of allow rules, each name allowed once per filter, other actions kept as is', () => {
    const out = namesOnly({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 21505, op: 'SCMP_CMP_EQ' }] },
        { names: ['ioctl', 'read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 21506, op: 'SCMP_CMP_EQ' }] },
        { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      ],
    } as never);
    expect(out.syscalls).toEqual([
      { names: ['ioctl'], action: 'SCMP_ACT_ALLOW' },
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['ioctl'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
    ]);
    expect(out.defaultAction).toBe('SCMP_ACT_ERRNO');
  });
});
