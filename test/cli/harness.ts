/** What the CLI tests share: a command run as main.ts runs it, and what it wrote, per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import type { Command } from '../../src/cli/command.js';
import { runCommand } from '../../src/cli/output.js';

export const run = (command: Command, ...args: string[]): Promise<number> => runCommand(command, args);

/** A scratch directory and captured stdout/stderr, fresh for every test of the file. */
export function useCliHarness(prefix: string): { dir: string; out: string; err: string } {
  const io = { dir: '', out: '', err: '' };
  beforeEach(() => {
    io.dir = mkdtempSync(join(tmpdir(), prefix));
    io.out = '';
    io.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((io.out += String(c)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((io.err += String(c)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(io.dir, { recursive: true, force: true });
  });
  return io;
}
