import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/registry.js';
import { escapeRoff, manPageFacts, renderManPage, type ManCommand } from '../../src/cli/manpage.js';

const facts = await manPageFacts();
const page = renderManPage({ version: '9.8.7', date: '2025-01-02', ...facts });

/** What roff prints for the escapes renderManPage writes (the reverse of escapeRoff). */
function unescape(line: string): string {
  return line
    .replace(/^\\&/, '')
    .replace(/\\\[u([0-9A-F]+)\]/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/\\\(aq/g, "'")
    .replace(/\\\(ga/g, '`')
    .replace(/\\-/g, '-')
    .replace(/\\e/g, '\\');
}

/** The preformatted block after `.SS name`, as it prints. */
function usageBlock(roff: string, name: string): string {
  const section = roff.split(`\n.SS "${name}"\n`)[1]!.split('\n.SS ')[0]!.split('\n.SH ')[0]!;
  const block = section.split('\n.nf\n')[1]!.split('\n.fi\n')[0]!;
  return block.split('\n').map(unescape).join('\n');
}

const asPrinted = (usage: string) =>
  usage
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n');

/** A tool to check roff with, if this machine has it (test/setup.sh installs groff-base and man-db). */
const has = (cmd: string) => spawnSync(cmd, ['--version'], { encoding: 'utf8' }).error === undefined;
const groff = (roff: string) => spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: roff, encoding: 'utf8' });
/** Plain text (no bold or underline), lines wide enough that none is cut. */
const groffText = (roff: string) => spawnSync('groff', ['-man', '-Tutf8', '-ww', '-P-cbou', '-rLL=200n'], { input: roff, encoding: 'utf8' });

describe('renderManPage', () => {
  it('has every registered command with its summary and its --help text verbatim', () => {
    expect(facts.commands.map((c) => c.name).sort()).toEqual(Object.keys(COMMANDS).sort());
    for (const c of facts.commands) {
      expect(usageBlock(page, c.name)).toBe(asPrinted(c.usage));
      expect(page).toContain(`.SY "seccomp\\-gen ${c.name}"`);
    }
    // The summary shown is the one `seccomp-gen --help` lists.
    expect(page).toContain(`.SS "merge"\n${escapeRoff('Combine profiles: union (default) or --intersect')}.`);
  });

  it('has the sections of a man page, NAME in the form whatis reads', () => {
    const sections = [...page.matchAll(/^\.SH "([A-Z ]+)"$/gm)].map((x) => x[1]);
    expect(sections).toEqual(['NAME', 'SYNOPSIS', 'DESCRIPTION', 'THE HOOK', 'COMMANDS', 'FILES', 'ENVIRONMENT', 'EXIT STATUS', 'SEE ALSO']);
    expect(page).toMatch(/^\.TH "SECCOMP\\-GEN" "1" "2025\\-01\\-02" "seccomp\\-gen 9\.8\.7"/m);
    expect(page).toMatch(/^\.SH "NAME"\nseccomp\\-gen \\- \S/m);
    for (const f of facts.hookFiles) expect(page).toContain(escapeRoff(f));
    expect(page).toContain('\\fBpodman\\-run\\fR(1), \\fBseccomp\\fR(2), \\fBoci\\-hooks\\fR(5)');
  });

  const dangerous: ManCommand = {
    name: 'evil',
    summary: 'a command whose help looks like roff',
    usage: `Usage: seccomp-gen evil [--dry-run] [-o FILE]
.TH not a title
'br not a break
  .SH "indented, so no request either"
C:\\fB\\dir ends in a backslash \\
ERRNO(38) 'quoted' \`ticks\` … → ä 😀
\ttabbed
`,
  };
  const evil = renderManPage({ version: '1', date: '2025-01-02', commands: [dangerous], hookFiles: [] });

  it('escapes help text so that no line of it is read as a request or an escape', () => {
    const block = evil.split('\n.SS "evil"\n')[1]!;
    expect(block).not.toMatch(/^\.TH not/m);
    expect(block).not.toMatch(/^'br/m);
    expect(block).toContain('\\&.TH not a title');
    expect(block).toContain('C:\\efB\\edir ends in a backslash \\e\n');
    expect(block).toContain('[\\-\\-dry\\-run] [\\-o FILE]');
    expect(block).toContain('\\(aqquoted\\(aq \\(gaticks\\(ga \\[u2026] \\[u2192] \\[u00E4] \\[u1F600]');
    expect(usageBlock(evil, 'evil')).toBe(asPrinted(dangerous.usage.replace('\t', ' '.repeat(8))));
  });

  it.skipIf(!has('groff'))('prints help text as it is written (groff)', () => {
    const out = groffText(evil);
    expect(out.stderr).toBe('');
    for (const line of ['.TH not a title', "'br not a break", 'C:\\fB\\dir ends in a backslash \\', "ERRNO(38) 'quoted' `ticks` … → ä 😀", '[--dry-run] [-o FILE]']) {
      expect(out.stdout).toContain(line);
    }
  });

  it.skipIf(!has('groff'))('renders with no groff warning', () => {
    const out = groff(page);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
  });

  it.skipIf(!has('man'))('renders with no man warning', () => {
    // man -l - reads the page from stdin, through the preprocessors a user's man runs.
    const out = spawnSync('man', ['--warnings', '-l', '-'], { input: page, encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/SECCOMP-GEN\(1\)/);
    expect(out.stdout).toContain('podman run --security-opt seccomp=/tmp/ls.json IMAGE ls /');
  });
});
