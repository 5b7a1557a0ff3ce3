import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { errnoName, errnoNumber, errnoText } from '../../src/profile/errno.js';
import { ruleNames } from '../../src/profile/names.js';

describe('errno names', () => {
  it('go both ways, any case in', () => {
    expect(errnoNumber('EPERM')).toBe(constants.errno.EPERM);
    expect(errnoNumber('enosys')).toBe(constants.errno.ENOSYS);
    expect(errnoNumber('ENOTANERRNO')).toBeUndefined();
    expect(errnoName(constants.errno.EPERM)).toBe('EPERM');
    expect(errnoName(99999)).toBeUndefined();
  });

  it('name an alias by its usual name (EAGAIN, not EWOULDBLOCK)', () => {
    expect(constants.errno.EWOULDBLOCK).toBe(constants.errno.EAGAIN);
    expect(errnoName(constants.errno.EAGAIN)).toBe('EAGAIN');
  });

  it('errnoText: the number and its name, or the number alone', () => {
    expect(errnoText(1)).toBe('1 (EPERM)');
    expect(errnoText(99999)).toBe('99999');
  });
});

describe('ruleNames', () => {
  it('reads names, or the older single name, or none', () => {
    expect(ruleNames({ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' })).toEqual(['read', 'write']);
    expect(ruleNames({ name: 'read', action: 'SCMP_ACT_ALLOW' } as never)).toEqual(['read']);
    expect(ruleNames({ action: 'SCMP_ACT_ALLOW' } as never)).toEqual([]);
  });
});
