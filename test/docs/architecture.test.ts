/**
 * docs/ARCHITECTURE.md stays true: it names every folder of src/ (and every file at its top),
 * every SECCOMP_GEN_* variable the code reads, and only files that exist; its folder table is in
 * import order (a folder imports only folders below it); the README links it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');

/** Every folder under src/ that holds a .ts file, as `src/a/` and `src/a/b/`, and every .ts file at src/'s top. */
function srcEntries(dir = 'src'): string[] {
  const entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  const own = dir !== 'src' && entries.some((e) => e.isFile() && e.name.endsWith('.ts')) ? [`${dir}/`] : [];
  return [
    ...own,
    ...entries.flatMap((e) => (e.isDirectory() ? srcEntries(`${dir}/${e.name}`) : dir === 'src' && e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [])),
  ];
}

/** Every .ts file under src/: its path and its text. */
function sourceFiles(dir = 'src'): { path: string; text: string }[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [{ path: `${dir}/${e.name}`, text: readFileSync(join(ROOT, dir, e.name), 'utf8') }] : [],
  );
}
const sources = () => sourceFiles().map((f) => f.text);

/** The top folder (or top file) of src/ that a path is in: src/cli/commands/x.ts → cli. */
const topOf = (path: string) => path.split('/')[1]!;

describe('docs/ARCHITECTURE.md', () => {
  it('names every folder of src/', () => {
    const entries = srcEntries();
    expect(entries).toContain('src/hooks/');
    expect(entries.filter((e) => !DOC.includes(`\`${e}\``))).toEqual([]);
  });

  it('names every SECCOMP_GEN_* variable the code reads', () => {
    const read = new Set(sources().flatMap((s) => [...s.matchAll(/process\.env\.(SECCOMP_GEN_\w+)/g)].map((m) => m[1]!)));
    expect(read.size).toBeGreaterThan(0);
    expect([...read].filter((v) => !DOC.includes(`\`${v}\``))).toEqual([]);
  });

  it('names only files that exist (paths from the repository or from src/)', () => {
    const files = [...DOC.matchAll(/`([\w.-]+\/[\w./-]+\.(?:ts|h|c|json))`/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((f) => !existsSync(join(ROOT, f)) && !existsSync(join(ROOT, 'src', f)))).toEqual([]);
  });

  it('lists the folders in import order: each imports only folders below it', () => {
    const order = [...DOC.matchAll(/^\| `src\/([\w.-]+)\/?` \|/gm)].map((m) => m[1]!);
    expect(order).toContain('hooks');
    const upward: string[] = [];
    for (const { path, text } of sourceFiles()) {
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = posix.join(posix.dirname(path), m[1]!).replace(/\.js$/, '.ts');
        const [from, to] = [topOf(path), topOf(target)];
        if (from !== to && order.indexOf(to) <= order.indexOf(from)) upward.push(`${path} imports ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('](docs/ARCHITECTURE.md)');
  });
});
