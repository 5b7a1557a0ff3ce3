/**
 * --help and the parser cannot disagree. Each command's usage text is written by hand; this test
 * takes the options the command really parses — its call to cli/args.ts's parse(), caught here
 * before the command does anything — and checks, for every command in the registry:
 * - every option the parser accepts is named in the usage (--long, and -x when it has a short);
 * - every option the usage offers (in brackets on its Usage line, or starting a line of its
 *   Options list) is one the parser accepts.
 * The man page prints each usage text verbatim (manpage.test.ts), so it agrees too.
 */
import { describe, expect, it, vi } from 'vitest';

interface Parsed {
  type: string;
  short?: string;
}
const STOP = new Error('parse() reached: options caught');
let caught: Record<string, Parsed> | undefined;

vi.mock('../../src/cli/args.js', () => ({
  parse: (_args: string[], options: Record<string, Parsed>) => {
    caught = options;
    throw STOP;
  },
}));

const { COMMANDS } = await import('../../src/cli/registry.js');

async function parsedOptions(name: string): Promise<Record<string, Parsed>> {
  const command = await COMMANDS[name]!.load();
  caught = undefined;
  await expect(Promise.resolve().then(() => command.run([]))).rejects.toBe(STOP);
  return caught!;
}

/** The options the usage offers: bracketed on the Usage line, or opening an Options line. */
function offered(usage: string): Set<string> {
  const out = new Set<string>();
  const usageLine = usage.split('\n')[0]!;
  for (const m of usageLine.matchAll(/\[(-{1,2}[a-z][a-z-]*)/g)) out.add(m[1]!);
  const options = usage.split(/^Options:$/m)[1];
  for (const line of options?.split('\n') ?? []) {
    const m = /^ {2}(?:(-[a-z]), )?(--[a-z][a-z-]*)/.exec(line);
    if (m?.[1]) out.add(m[1]);
    if (m?.[2]) out.add(m[2]);
  }
  return out;
}

const mentions = (usage: string, option: string) => new RegExp(`(^|[\\s\\[(])${option}(?![\\w-])`, 'm').test(usage);

describe.each(Object.keys(COMMANDS))('seccomp-gen %s --help', (name) => {
  it('names every option the command parses', async () => {
    const usage = (await COMMANDS[name]!.load()).usage;
    const missing: string[] = [];
    for (const [long, o] of Object.entries(await parsedOptions(name))) {
      if (!mentions(usage, `--${long}`)) missing.push(`--${long}`);
      if (o.short && !mentions(usage, `-${o.short}`)) missing.push(`-${o.short}`);
    }
    expect(missing).toEqual([]);
  });

  it('offers no option the command does not parse', async () => {
    const usage = (await COMMANDS[name]!.load()).usage;
    const parsed = await parsedOptions(name);
    const accepted = new Set(Object.entries(parsed).flatMap(([long, o]) => [`--${long}`, ...(o.short ? [`-${o.short}`] : [])]));
    expect([...offered(usage)].filter((o) => !accepted.has(o))).toEqual([]);
  });
});
