import { describe, expect, it } from 'vitest';
import { describeCondition, describeVerdict } from '../../src/toolkit/describe.js';

describe('describe', () => {
  it('a verdict without its SCMP_ACT_ prefix', () => {
    expect(describeVerdict({ action: 'SCMP_ACT_ALLOW' } as never)).toBe('ALLOW');
  });

  it('a condition: its filters in words, negated for excludes', () => {
    expect(describeCondition({ includes: { caps: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], arches: ['amd64'], minKernel: '5.8' } } as never)).toBe('with CAP_SYS_ADMIN+CAP_NET_ADMIN, on amd64, kernel >= 5.8');
    expect(describeCondition({ excludes: { caps: ['CAP_SYS_ADMIN', 'CAP_BPF'], arches: ['arm64'], minKernel: '6.1' } } as never)).toBe('without CAP_SYS_ADMIN/CAP_BPF, not on arm64, kernel < 6.1');
    expect(describeCondition({} as never)).toBe('');
  });
});
