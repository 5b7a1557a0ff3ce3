#!/usr/bin/env node
/**
 * Two figures of how well src/ is held by its users (issue 25), from the sources' text alone:
 *   - exported values (function, const, let, class, enum) that no other file of src/ or test/
 *     imports by name: "export only what another file uses";
 *   - src/ files that no unit test (test/, but not test/e2e/) imports directly.
 * node scripts/exports-usage.mjs [ROOT] [--list]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const args = process.argv.slice(2);
const ROOT = resolve(args.find((a) => !a.startsWith('--')) ?? '.');
const LIST = args.includes('--list');

function files(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

const src = files('src');
const tests = files('test');
const IMPORT = /(?:import|export)\s*(?:type\s+)?(\{[^}]*\}|\*\s+as\s+\w+|\w+(?:\s*,\s*\{[^}]*\})?)?\s*(?:from\s*)?\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const DYNAMIC = /(?:const|let)\s*\{([^}]*)\}\s*=\s*await\s+import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
const THEN = /import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)\.then\(\s*\((\w+)\)\s*=>([^\n]*)/g;

/** file → Set of names other files import from it ('*' for all). */
const used = new Map();
/** src file → imported by a unit test. */
const unitImported = new Set();
const target = (from, spec) => relative(ROOT, resolve(ROOT, dirname(from), spec)).replace(/\.js$/, '.ts');
const note = (file, names) => {
  if (!used.has(file)) used.set(file, new Set());
  for (const n of names) used.get(file).add(n);
};
const namesIn = (clause) =>
  clause
    .replace(/[{}]/g, '')
    .split(',')
    .map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0].trim())
    .filter(Boolean);

for (const f of [...src, ...tests]) {
  const text = readFileSync(join(ROOT, f), 'utf8');
  const isUnit = f.startsWith('test/') && !f.startsWith('test/e2e/');
  for (const m of text.matchAll(IMPORT)) {
    const t = target(f, m[2]);
    const clause = m[1] ?? '';
    note(t, clause.startsWith('*') || clause === '' ? ['*'] : namesIn(clause.replace(/^\w+\s*,/, '')));
    if (isUnit) unitImported.add(t);
  }
  for (const m of text.matchAll(DYNAMIC)) {
    const t = target(f, m[2]);
    note(t, namesIn(m[1]));
    if (isUnit) unitImported.add(t);
  }
  for (const m of text.matchAll(THEN)) {
    const t = target(f, m[1]);
    note(t, [...m[3].matchAll(new RegExp(`\\b${m[2]}\\.(\\w+)`, 'g'))].map((x) => x[1]));
    if (isUnit) unitImported.add(t);
  }
  // import('x').then(m => ...) with other shapes, or a URL to a built file: every name counts.
  for (const m of text.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)(?!\.then\(\s*\(\w+\)\s*=>)/g)) {
    if (!text.slice(m.index - 30, m.index).match(/await\s*$/)) note(target(f, m[1]), ['*']);
  }
}

const unused = [];
for (const f of src) {
  const text = readFileSync(join(ROOT, f), 'utf8');
  const names = used.get(f) ?? new Set();
  for (const m of text.matchAll(/^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|enum|abstract\s+class)\s+(\w+)/gm)) {
    if (!names.has(m[1]) && !names.has('*')) unused.push(`${f}: ${m[1]}`);
  }
}
const untested = src.filter((f) => !unitImported.has(f));

console.log(`exported values used nowhere but their own file: ${unused.length}`);
if (LIST) for (const u of unused) console.log(`  ${u}`);
console.log(`src/ files no unit test imports: ${untested.length} of ${src.length}`);
if (LIST) for (const u of untested) console.log(`  ${u}`);
