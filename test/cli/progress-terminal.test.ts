/**
 * The progress line on a real terminal: the built CLI run under a pseudo-terminal (util-linux
 * `script`), reading an audit log big enough to take longer than SHOW_AFTER_MS, draws its line and
 * erases it before the summary; piped, the same command writes no progress and the same stdout.
 * No root needed, but the build: npm run build first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/audit/audit.log', import.meta.url));
const ERASE = '\r\x1b[2K';
const hasScript = spawnSync('script', ['--version']).status === 0;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// ~1.4 s of reading on the machines this project runs on: well past the 0.5 s before the line
// shows, also on a faster one.
const INPUT_MIB = 48;

describe.skipIf(!hasScript)('audit on a terminal (script from util-linux)', () => {
  let dir: string;
  let big: string;
  let lines: number;
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: this test runs the built CLI, npm run build first`);
    dir = mkdtempSync(join(tmpdir(), 'sg-progress-'));
    big = join(dir, 'audit.log');
    const block = readFileSync(FIXTURE, 'utf8');
    const times = Math.ceil((INPUT_MIB * 1024 * 1024) / block.length);
    writeFileSync(big, block.repeat(times));
    lines = times * block.split('\n').filter((l) => l.startsWith('type=SECCOMP')).length;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('draws the line while it reads, erases it before the summary, and pipes get none of it', () => {
    const out = join(dir, 'tty.json');
    const started = Date.now();
    // A pty script makes has no size until one is set: 100 columns, whatever TMPDIR's length.
    const tty = spawnSync('script', ['-qfec', `stty cols 100 && ${quote(process.execPath)} ${quote(MAIN)} audit --from ${quote(big)} > ${quote(out)}`, '/dev/null'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TERM: 'xterm' },
    });
    const elapsed = Date.now() - started;
    expect(tty.status, tty.stderr).toBe(0);
    const screen = tty.stdout; // the terminal's side: the CLI's stderr (its stdout went to the file)
    const summary = screen.indexOf(`seccomp-gen audit: 2 syscalls from ${lines} of ${lines} records`);
    expect(summary).toBeGreaterThan(0);

    const draws = [...screen.matchAll(/\r\x1b\[2Kreading [^\r]*?: ([\d.]+ \S+) of [\d.]+ MiB \((\d+)%\), (\d+)/g)];
    expect(draws.length, `no progress line drawn in ${elapsed} ms:\n${JSON.stringify(screen.slice(0, 500))}`).toBeGreaterThan(0);
    expect(draws.length).toBeLessThanOrEqual(elapsed / 100 + 1); // at most ~10 a second
    for (const d of screen.split(ERASE).filter((s) => s.startsWith('reading '))) expect([...d].length).toBeLessThan(100);
    const percents = draws.map((d) => Number(d[2]));
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // The last drawing is erased, and the summary starts on the clean line.
    expect(screen.slice(0, summary).endsWith(ERASE)).toBe(true);
    expect(screen.slice(summary)).not.toMatch(/\x1b|reading /);

    const piped = spawnSync(process.execPath, [MAIN, 'audit', '--from', big], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm' }, maxBuffer: 1 << 26 });
    expect(piped.status).toBe(0);
    expect(piped.stdout).toBe(readFileSync(out, 'utf8'));
    expect(piped.stderr).toBe(`seccomp-gen audit: 2 syscalls from ${lines} of ${lines} records in ${big} (1 LOG, 1 ERRNO): accept4, epoll_wait\n`);
  }, 60_000);
});
