/**
 * Build step (npm run build:man, after tsc): writes dist/man/seccomp-gen.1 from this build's
 * commands, so the man page says what this build's --help says. Not part of the CLI.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { manPageFacts, renderManPage } from './manpage.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
// SOURCE_DATE_EPOCH (reproducible builds) fixes the footer's date; else the day of the build.
const epoch = process.env.SOURCE_DATE_EPOCH;
const date = (epoch ? new Date(Number(epoch) * 1000) : new Date()).toISOString().slice(0, 10);

const out = new URL('../man/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('seccomp-gen.1', out), renderManPage({ version, date, ...(await manPageFacts()) }));
