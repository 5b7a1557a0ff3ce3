// Writes dist/man/seccomp-gen.1 from the built CLI (run by `npm run build:ts`, after tsc), so the
// man page says what this build's --help says.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { manPageFacts, renderManPage } from '../dist/cli/manpage.js';

const root = new URL('../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
// SOURCE_DATE_EPOCH (reproducible builds) fixes the footer's date; else the day of the build.
const epoch = process.env.SOURCE_DATE_EPOCH;
const date = (epoch ? new Date(Number(epoch) * 1000) : new Date()).toISOString().slice(0, 10);

const out = new URL('dist/man/', root);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('seccomp-gen.1', out), renderManPage({ version, date, ...(await manPageFacts()) }));
