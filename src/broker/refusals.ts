/**
 * The broker's refusals in the log, without letting anyone fill it: any local user may connect,
 * and 200,000 bad requests once wrote 200,000 lines, rotating away every earlier line (the log
 * keeps one old file). Each source (the clients that proved no uid, together; each person) gets
 * at most LINES_PER_WINDOW lines per window; the rest are counted and said in one line when the
 * window ends.
 */
import { logEvent } from '../log/log.js';

const LINES_PER_WINDOW = 20;
const WINDOW_MS = 60_000;

type Fields = Record<string, string | number | undefined>;

export class RefusalLog {
  private readonly windows = new Map<string, { lines: number; more: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly write: (event: string, fields: Fields, detail: string) => void = (event, fields, detail) => logEvent('broker', event, fields, detail),
    private readonly linesPerWindow = LINES_PER_WINDOW,
    private readonly windowMs = WINDOW_MS,
  ) {}

  /** One refusal from `source` ('unproven', or a person's `uid N`). */
  refused(source: string, fields: Fields, detail: string): void {
    let window = this.windows.get(source);
    if (!window) {
      const timer = setTimeout(() => this.close(source), this.windowMs);
      timer.unref(); // the broker may exit while a window is open: close() says the rest then
      window = { lines: 0, more: 0, timer };
      this.windows.set(source, window);
    }
    if (window.lines < this.linesPerWindow) {
      window.lines++;
      this.write('refused', fields, detail);
    } else {
      window.more++;
    }
  }

  private close(source: string): void {
    const window = this.windows.get(source);
    if (!window) return;
    clearTimeout(window.timer);
    this.windows.delete(source);
    if (window.more === 0) return;
    const who = source === 'unproven' ? 'from clients that proved no uid' : `for ${source}`;
    this.write('refused', { more: window.more }, `${window.more} more refusals ${who} within ${this.windowMs / 1000} s, not logged one by one (at most ${this.linesPerWindow} are)`);
  }

  /** Say what every open window holds (the broker is stopping). */
  flush(): void {
    for (const source of [...this.windows.keys()]) this.close(source);
  }
}
