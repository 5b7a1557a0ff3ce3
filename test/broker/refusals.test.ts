import { describe, expect, it, vi } from 'vitest';
import { RefusalLog } from '../../src/broker/refusals.js';

describe('refusals in the log', () => {
  it('at most N lines per source and window, then one line with how many more', () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const log = new RefusalLog((event, fields, detail) => lines.push(`${event} ${JSON.stringify(fields)} ${detail}`), 3, 1000);
      for (let i = 0; i < 1000; i++) log.refused('unproven', { uid: 1000 }, 'wrong ticket token');
      log.refused('uid 1001', { uid: 1001 }, 'no such container'); // another source has its own lines
      expect(lines).toHaveLength(4);
      vi.advanceTimersByTime(1000);
      expect(lines).toHaveLength(5);
      expect(lines[4]).toBe('refused {"more":997} 997 more refusals from clients that proved no uid within 1 s, not logged one by one (at most 3 are)');
      log.refused('unproven', {}, 'again'); // a new window
      expect(lines).toHaveLength(6);
      vi.advanceTimersByTime(1000);
      expect(lines).toHaveLength(6); // nothing more to say
    } finally {
      vi.useRealTimers();
    }
  });

  it('says what an open window holds when the broker stops', () => {
    const lines: string[] = [];
    const log = new RefusalLog((_e, _f, detail) => lines.push(detail), 1, 60_000);
    log.refused('uid 1001', {}, 'x');
    log.refused('uid 1001', {}, 'x');
    log.flush();
    expect(lines).toEqual(['x', '1 more refusals for uid 1001 within 60 s, not logged one by one (at most 1 are)']);
  });
});
