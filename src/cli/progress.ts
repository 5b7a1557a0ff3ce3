/**
 * The progress line of the CLI's long operations (audit reading a big log, gc over many
 * containers, validate and merge over many files), on stderr, as users of such tools expect:
 * - only on a terminal: never in a pipe, a file or a CI log, nor where TERM=dumb cannot erase a
 *   line. The hooks never import this (their stderr is podman's error message);
 * - only once an operation has taken longer than SHOW_AFTER_MS: a quick run prints nothing;
 * - redrawn at most every REDRAW_EVERY_MS, in place (`\r` + erase line), cut to the terminal's
 *   width (formatProgress);
 * - always erased when the operation ends, also when it throws (withProgress), and erased by
 *   clear() before a command writes its own lines meanwhile: output and errors stay clean.
 * Drawing happens in update() only, with no timer: the sync loops of validate, merge and gc never
 * yield to one, and tests drive it with a fake stream and clock. A Ctrl-C kills the process
 * before it could erase (a SIGINT handler would wait for the sync loops to end): the line is left,
 * as any killed program leaves its last line.
 */
export const SHOW_AFTER_MS = 500;
export const REDRAW_EVERY_MS = 100;

export interface ProgressState {
  /** What is going on, e.g. "reading /var/log/audit/audit.log" (the user knows which command). */
  what: string;
  /** How far it got: bytes, or items (files, containers). */
  done: number;
  /** Out of how many, when that is known. */
  total?: number | undefined;
  unit: 'bytes' | 'items';
  /** Said last, e.g. "1234 records" or the file at hand. */
  detail?: string | undefined;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/**
 * The text of the line, e.g. "reading a.log: 1.5 MiB of 12.0 MiB (12%), 42 records", in at most
 * `columns - 1` characters: writing the last column makes some terminals wrap, and a wrapped line
 * is one `\r` cannot go back over. A long `what` (a path) gives way first, from its middle, so the
 * numbers stay in sight; control characters (a newline in a file name) are shown as "?".
 */
export function formatProgress(state: ProgressState, columns = Infinity): string {
  const amount = (n: number) => (state.unit === 'bytes' ? formatBytes(n) : String(n));
  const known = state.total !== undefined && state.total > 0;
  const of = known ? ` of ${amount(state.total!)} (${Math.floor((100 * Math.min(state.done, state.total!)) / state.total!)}%)` : '';
  const numbers = [...printable(`: ${amount(state.done)}${of}${state.detail ? `, ${state.detail}` : ''}`)];
  const what = [...printable(state.what)];
  const room = columns - 1 - numbers.length;
  if (what.length > room && room >= 12) {
    const head = Math.floor((room - 1) / 3);
    return `${what.slice(0, head).join('')}…${what.slice(what.length - (room - 1 - head)).join('')}${numbers.join('')}`;
  }
  return fitLine(`${what.join('')}${numbers.join('')}`, columns);
}

const printable = (text: string) => text.replace(/[\x00-\x1f\x7f-\x9f]/g, '?');

/** `text` in at most `columns - 1` characters (not UTF-16 units), cut at the end. */
export function fitLine(text: string, columns: number): string {
  const chars = [...text];
  const room = Math.max(columns - 1, 1);
  return chars.length <= room ? text : `${chars.slice(0, room - 1).join('')}…`;
}

/** What the line is written to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
  /** The terminal's width (0 or absent when unknown, e.g. a pty nobody sized). */
  columns?: number | undefined;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Milliseconds from any fixed point (a monotonic clock by default). */
  now?: () => number;
  env?: Record<string, string | undefined>;
}

const ERASE_LINE = '\r\x1b[2K';

export class Progress {
  /** Whether anything will ever be drawn: stderr is a terminal that can erase a line. */
  readonly enabled: boolean;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw = -Infinity;
  private shown = false;
  private ended = false;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.now = options.now ?? (() => performance.now());
    this.enabled = this.stream.isTTY === true && (options.env ?? process.env).TERM !== 'dumb';
    this.started = this.now();
  }

  /** Where the operation is; drawn only when it has run long enough and not drawn just now. */
  update(state: ProgressState): void {
    if (!this.enabled || this.ended) return;
    const t = this.now();
    if (t - this.started < SHOW_AFTER_MS || t - this.lastDraw < REDRAW_EVERY_MS) return;
    this.lastDraw = t;
    this.shown = true;
    this.stream.write(`${ERASE_LINE}${formatProgress(state, this.stream.columns || 80)}`);
  }

  /** Erase the line, before the command writes a line of its own; a later update draws it again. */
  clear(): void {
    if (!this.shown) return;
    this.shown = false;
    this.stream.write(ERASE_LINE);
  }

  /** Erase the line for good: the operation is over. */
  end(): void {
    this.clear();
    this.ended = true;
  }
}

/** Run `operation` with a progress line that is erased however it ends. */
export function withProgress<T>(operation: (progress: Progress) => T, options?: ProgressOptions): T {
  const progress = new Progress(options);
  try {
    return operation(progress);
  } finally {
    progress.end();
  }
}

/** withProgress for an operation that awaits (reading a log as it streams in). */
export async function withProgressAsync<T>(operation: (progress: Progress) => Promise<T>, options?: ProgressOptions): Promise<T> {
  const progress = new Progress(options);
  try {
    return await operation(progress);
  } finally {
    progress.end();
  }
}
