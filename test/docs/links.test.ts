/**
 * The README and docs/ stay true: every relative link and #anchor leads somewhere, every
 * `seccomp-gen COMMAND --flag` they show is a real command taking that flag (read from the
 * command's own --help text), every `npm run SCRIPT` is a script of package.json, every docs/
 * page is reachable from the README, and the README stays a landing page.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/registry.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const README_MAX_LINES = 350;

/** A page split into its prose (code blocks and inline code taken out) and its code (blocks and spans). */
function splitPage(text: string): { prose: string; code: string[] } {
  const code: string[] = [];
  const withoutBlocks = text.replace(/^```[^\n]*\n([\s\S]*?)^```$/gm, (_all, body: string) => {
    code.push(...body.split('\n'));
    return '';
  });
  const prose = withoutBlocks.replace(/`([^`\n]+)`/g, (_all, span: string) => {
    code.push(span);
    return '';
  });
  return { prose, code };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slugOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(path: string): Set<string> {
  const text = readFileSync(join(ROOT, path), 'utf8').replace(/^```[\s\S]*?^```$/gm, '');
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = slugOf(m[1]!);
    const n = seen.get(slug) ?? 0;
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
    seen.set(slug, n + 1);
  }
  return anchors;
}

/** Every link target that is not a web address, with the page it is on. */
function relativeLinks(page: string): string[] {
  const { prose } = splitPage(readFileSync(join(ROOT, page), 'utf8'));
  const inline = [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
  const reference = [...prose.matchAll(/^\[[^\]]+\]: (\S+)$/gm)].map((m) => m[1]!);
  return [...inline, ...reference].filter((t) => !/^[a-z]+:/.test(t));
}

/** Why a link from page is broken, or null when it leads somewhere. */
function brokenLink(page: string, target: string): string | null {
  const [file, anchor] = target.split('#') as [string, string | undefined];
  const path = file === '' ? page : relative(ROOT, join(ROOT, dirname(page), file));
  if (!existsSync(join(ROOT, path))) return `${page}: ${target}: no file ${path}`;
  if (anchor === undefined) return null;
  if (statSync(join(ROOT, path)).isDirectory() || !path.endsWith('.md')) return `${page}: ${target}: an anchor into a non-page`;
  return anchorsOf(path).has(anchor) ? null : `${page}: ${target}: no heading #${anchor} in ${path}`;
}

/**
 * Each `seccomp-gen COMMAND [args]` shown on a page: the command and the flags before any ` -- ` or
 * comment. `seccomp-gen prestart: …` is a message the hooks print, not a command: skipped.
 */
function documentedCommands(page: string): { line: string; command: string; flags: string[] }[] {
  const { code } = splitPage(readFileSync(join(ROOT, page), 'utf8'));
  // Lines of an engine's error output (`Error: … seccomp-gen prestart: …`) quote messages, not commands.
  return code.filter((line) => !line.trimStart().startsWith('Error:')).flatMap((line) =>
    [...line.matchAll(/(?:^|[\s(;|&$])seccomp-gen ([a-z][a-z-]*)(?!:|[a-z-])([^#|;&)]*)/g)].map((m) => {
      const args = m[2]!.split(' -- ')[0]!;
      return { line: line.trim(), command: m[1]!, flags: [...args.matchAll(/(?:^|\s)(--[a-z][a-z0-9-]*)/g)].map((f) => f[1]!) };
    }),
  );
}

describe('README and docs/', () => {
  it('the README is a landing page', () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('links every docs/ page from the README', () => {
    const fromReadme = new Set(relativeLinks('README.md').map((t) => t.split('#')[0]));
    expect(PAGES.filter((p) => p !== 'README.md' && !fromReadme.has(p))).toEqual([]);
  });

  it('every relative link and anchor leads somewhere', () => {
    const broken = PAGES.flatMap((page) => relativeLinks(page).map((t) => brokenLink(page, t))).filter((b) => b !== null);
    expect(broken).toEqual([]);
  });

  it('every seccomp-gen command shown is a real command, with flags it takes', async () => {
    const shown = PAGES.flatMap((page) => documentedCommands(page).map((c) => ({ page, ...c })));
    expect(shown.length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const { page, line, command, flags } of shown) {
      const entry = COMMANDS[command];
      if (!entry) {
        wrong.push(`${page}: ${line}: no command ${command}`);
        continue;
      }
      const usage = (await entry.load()).usage;
      for (const flag of flags) if (flag !== '--help' && !new RegExp(`${flag}(?![a-z-])`).test(usage)) wrong.push(`${page}: ${line}: ${command} takes no ${flag}`);
    }
    expect(wrong).toEqual([]);
  });

  it('every npm run SCRIPT shown is a script of package.json', () => {
    const scripts = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const shown = PAGES.flatMap((page) => splitPage(readFileSync(join(ROOT, page), 'utf8')).code.flatMap((l) => [...l.matchAll(/npm run ([a-z][a-z:-]*)/g)].map((m) => ({ page, script: m[1]! }))));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((s) => !scripts.includes(s.script))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('finds a broken file, a broken anchor, and passes a good one', () => {
    expect(brokenLink('README.md', 'docs/nowhere.md')).toMatch(/no file docs\/nowhere.md/);
    expect(brokenLink('README.md', 'docs/kernels.md#no-such-heading')).toMatch(/no heading/);
    expect(brokenLink('docs/podman.md', '../README.md#two-commands')).toBeNull();
  });

  it('makes anchors as GitHub does', () => {
    expect(slugOf('Docker, containerd, Kubernetes on containerd')).toBe('docker-containerd-kubernetes-on-containerd');
    expect(slugOf('What tracing costs: `npm run bench`')).toBe('what-tracing-costs-npm-run-bench');
  });
});
