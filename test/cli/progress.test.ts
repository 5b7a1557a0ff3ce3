import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Progress,
  REDRAW_EVERY_MS,
  SHOW_AFTER_MS,
  fitLine,
  formatBytes,
  formatProgress,
  withProgress,
  withProgressAsync,
  type ProgressOptions,
  type ProgressState,
} from '../../src/cli/progress.js';

const ERASE = '\r\x1b[2K';

/** A terminal that keeps what was written, and a clock the test moves. */
function fakeTerminal(over: { isTTY?: boolean; columns?: number; env?: Record<string, string> } = {}) {
  const writes: string[] = [];
  const clock = { t: 1000 };
  const options: ProgressOptions = {
    stream: { isTTY: over.isTTY ?? true, columns: over.columns ?? 80, write: (s: string) => writes.push(s) },
    now: () => clock.t,
    env: over.env ?? { TERM: 'xterm-256color' },
  };
  return { writes, clock, options };
}

const STATE: ProgressState = { what: 'reading audit.log', unit: 'bytes', done: 3 * 1024 * 1024, total: 12 * 1024 * 1024, detail: '42 records' };

describe('formatProgress', () => {
  it('says what, how far of how much with units, the percentage, and the detail', () => {
    expect(formatProgress(STATE)).toBe('reading audit.log: 3.0 MiB of 12.0 MiB (25%), 42 records');
    expect(formatProgress({ what: 'checking containers', unit: 'items', done: 3, total: 40 })).toBe('checking containers: 3 of 40 (7%)');
    expect(formatProgress({ what: 'reading stdin', unit: 'bytes', done: 1536, detail: '0 records' })).toBe('reading stdin: 1.5 KiB, 0 records');
    expect(formatProgress({ what: 'reading x', unit: 'bytes', done: 0, total: 0 })).toBe('reading x: 0 B'); // an empty file: no 0 of 0 (NaN%)
    expect(formatProgress({ what: 'reading x', unit: 'bytes', done: 20, total: 10 })).toBe('reading x: 20 B of 10 B (100%)'); // it grew meanwhile
  });

  it('writes bytes in binary units', () => {
    expect([0, 1023, 1024, 5 * 1024 ** 3, 3 * 1024 ** 5].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '5.0 GiB', '3072.0 TiB']);
  });

  it('cuts a line to the width, leaving the last column free', () => {
    expect(fitLine('abcdefghij', 8)).toBe('abcdef…');
    expect(fitLine('abcdefg', 8)).toBe('abcdefg');
    expect(fitLine('😀😀😀😀', 4)).toBe('😀😀…'); // characters, not UTF-16 halves
  });

  it('shortens a long path from its middle so that the numbers stay in sight', () => {
    const line = formatProgress({ ...STATE, what: `reading /var/tmp/${'deep/'.repeat(20)}audit.log` }, 80);
    expect([...line].length).toBe(79);
    expect(line).toMatch(/^reading \/var\/[^…]*…[^…]*\/audit\.log: 3\.0 MiB of 12\.0 MiB \(25%\), 42 records$/);
    expect(formatProgress({ ...STATE, what: 'reading a\nb\x1b[31m.log' })).toBe('reading a?b?[31m.log: 3.0 MiB of 12.0 MiB (25%), 42 records'); // one line, no escapes
  });
});

describe('Progress', () => {
  it('prints nothing for a quick operation', () => {
    const { writes, clock, options } = fakeTerminal();
    withProgress((p) => {
      for (; clock.t < 1000 + SHOW_AFTER_MS - 1; clock.t += 10) p.update(STATE);
    }, options);
    expect(writes).toEqual([]);
  });

  it('appears after SHOW_AFTER_MS, redraws at most every REDRAW_EVERY_MS in place, and is erased at the end', () => {
    const { writes, clock, options } = fakeTerminal();
    const drawnAt: number[] = [];
    const stream = options.stream!;
    options.stream = { ...stream, write: (s: string) => (drawnAt.push(clock.t - 1000), stream.write(s)) };
    withProgress((p) => {
      for (; clock.t <= 1000 + 1500; clock.t += 1) p.update(STATE);
    }, options);
    const draws = writes.slice(0, -1);
    expect(drawnAt.slice(0, -1)).toEqual([500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500]);
    for (const d of draws) expect(d).toMatch(/^\r\x1b\[2Kreading audit\.log: .* of 12\.0 MiB \(\d+%\), 42 records$/);
    expect(writes.at(-1)).toBe(ERASE);
  });

  it('fits the terminal width', () => {
    const { writes, clock, options } = fakeTerminal({ columns: 30 });
    withProgress((p) => {
      clock.t += SHOW_AFTER_MS;
      p.update(STATE);
    }, options);
    expect(writes[0]).toBe(`${ERASE}reading audit.log: 3.0 MiB o…`);
    expect([...writes[0]!.slice(ERASE.length)].length).toBe(29);
  });

  it('takes 80 columns when the terminal has no size', () => {
    const { writes, clock, options } = fakeTerminal({ columns: 0 });
    withProgress((p) => {
      clock.t += SHOW_AFTER_MS;
      p.update({ ...STATE, what: 'x'.repeat(200) });
    }, options);
    expect([...writes[0]!.slice(ERASE.length)].length).toBe(79);
  });

  it('is erased when the operation throws, and the error goes on', async () => {
    const sync = fakeTerminal();
    expect(() =>
      withProgress((p) => {
        sync.clock.t += SHOW_AFTER_MS;
        p.update(STATE);
        throw new Error('disk gone');
      }, sync.options),
    ).toThrow('disk gone');
    expect(sync.writes).toEqual([expect.stringContaining('reading audit.log'), ERASE]);

    const async = fakeTerminal();
    await expect(
      withProgressAsync(async (p) => {
        async.clock.t += SHOW_AFTER_MS;
        p.update(STATE);
        await Promise.resolve();
        throw new Error('journalctl died');
      }, async.options),
    ).rejects.toThrow('journalctl died');
    expect(async.writes).toEqual([expect.stringContaining('reading audit.log'), ERASE]);
  });

  it('clear() erases the line for a line of the command\'s own; the next due update draws it again', () => {
    const { writes, clock, options } = fakeTerminal();
    const p = new Progress(options);
    clock.t += SHOW_AFTER_MS;
    p.update(STATE);
    p.clear();
    p.clear(); // nothing drawn: nothing to erase
    p.update(STATE); // not due yet
    clock.t += REDRAW_EVERY_MS;
    p.update(STATE);
    p.end();
    p.update(STATE); // over: never again
    expect(writes).toEqual([expect.stringContaining('reading'), ERASE, expect.stringContaining('reading'), ERASE]);
  });

  it('draws nothing when stderr is no terminal, or TERM=dumb', () => {
    for (const over of [{ isTTY: false }, { env: { TERM: 'dumb' } }]) {
      const { writes, clock, options } = fakeTerminal(over);
      const p = new Progress(options);
      expect(p.enabled).toBe(false);
      withProgress((q) => {
        for (; clock.t < 5000; clock.t += 50) q.update(STATE);
      }, options);
      expect(writes).toEqual([]);
    }
  });
});

describe('the hooks', () => {
  // A hook's stderr is podman's error message: nothing of the CLI's, the progress line least, may
  // be loaded there.
  it('import nothing from the CLI', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) {
        visit(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      }
    };
    visit(resolve(root, 'hooks/main.ts'));
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].filter((f) => f.startsWith(resolve(root, 'cli')))).toEqual([]);
  });
});
