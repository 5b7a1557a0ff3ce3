/**
 * The fence around the hook path. The hook bundle (dist/hook/main.cjs, built by esbuild from
 * src/hooks/main.ts: package.json build:hook) runs while the container waits, so a stage must
 * start without zod (~100 ms of start-up), yaml or chalk, and the CLI's toolkit (src/toolkit/)
 * must not be in the bundle at all. This test bundles src/hooks/main.ts as build:hook does, with
 * every package left external so that each package import stays visible, and reads esbuild's
 * metafile — the import graph the bundle is made of. What it checks, precisely:
 *
 * 1. No file under src/toolkit/ is in the bundle, by any import, static or dynamic.
 * 2. No file of the bundle imports yaml or chalk, by any kind of import.
 * 3. What a stage loads at start — the static imports of src/hooks/main.ts and of the stage
 *    module main loads with import() (prestart.ts or poststop.ts), followed to the end — imports
 *    no package but koffi (and node: built-ins). So zod is not loaded when a stage starts.
 * 4. zod is reached only behind a later import(), and only through the lazy doors listed in
 *    LAZY_ZOD_DOORS (the if: base profile is read with the full schema, see profile/read.ts).
 */
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = 'src/hooks/main.ts';
/** The stages main.ts loads: root's two, and the rootless hooks' (which ask the broker). */
const STAGES = ['src/hooks/poststop.ts', 'src/hooks/prestart.ts', 'src/rootless/hooks.ts', 'src/write/writer.ts'];
/** Packages a stage may load at start: koffi is how the hook reaches libbpf and libseccomp. */
const START_PACKAGES = ['koffi'];
/** Files reached by import() whose own static imports may load zod, each for a stated reason. */
const LAZY_ZOD_DOORS = [
  'src/profile/read.ts', // prestart, only when the annotation names an if: base profile
];
const FORBIDDEN_EVERYWHERE = ['yaml', 'chalk'];

type Import = Metafile['inputs'][string]['imports'][number];
const isStatic = (i: Import) => i.kind === 'import-statement' || i.kind === 'require-call';
const packageOf = (path: string) => (path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0]!);

let inputs: Metafile['inputs'];

/** Every file reached from `from` by static imports, `from` included. */
function staticClosure(from: string): Set<string> {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of inputs[file]?.imports ?? []) if (!i.external && isStatic(i)) todo.push(i.path);
  }
  return seen;
}

/** The packages that the files import, keeping only the imports `keep` accepts. */
function packagesImported(files: Iterable<string>, keep: (i: Import) => boolean): Set<string> {
  const out = new Set<string>();
  for (const file of files) {
    for (const i of inputs[file]?.imports ?? []) if (i.external && keep(i) && !i.path.startsWith('node:')) out.add(packageOf(i.path));
  }
  return out;
}

beforeAll(async () => {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: 'hook-path-check.js',
    logLevel: 'silent',
  });
  inputs = result.metafile.inputs;
});

describe('the hook bundle', () => {
  it('is the bundle of its stages: the runtime\'s two, the rootless one, and the dead containers\' writer', () => {
    expect(Object.keys(inputs)).toContain(ENTRY);
    const stages = inputs[ENTRY]!.imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path).sort();
    expect(stages).toEqual(STAGES);
  });

  it('holds nothing of src/toolkit/', () => {
    expect(Object.keys(inputs).filter((f) => f.startsWith('src/toolkit/'))).toEqual([]);
  });

  it('imports neither yaml nor chalk, not even lazily', () => {
    const used = packagesImported(Object.keys(inputs), () => true);
    expect(FORBIDDEN_EVERYWHERE.filter((p) => used.has(p))).toEqual([]);
  });

  it.each(STAGES)('starts %s with no package but koffi (so no zod)', (stage) => {
    const atStart = new Set([...staticClosure(ENTRY), ...staticClosure(stage)]);
    expect(atStart.has(stage)).toBe(true);
    expect([...packagesImported(atStart, isStatic)].filter((p) => !START_PACKAGES.includes(p))).toEqual([]);
  });

  it('reaches zod only behind an import() through a listed lazy door', () => {
    const doors = new Set<string>();
    for (const [file, { imports }] of Object.entries(inputs)) {
      for (const i of imports) {
        if (i.kind !== 'dynamic-import' || file === ENTRY) continue;
        if (i.external ? packageOf(i.path) === 'zod' : packagesImported(staticClosure(i.path), isStatic).has('zod')) doors.add(i.external ? file : i.path);
      }
    }
    expect([...doors].filter((d) => !LAZY_ZOD_DOORS.includes(d))).toEqual([]);
  });
});
