#!/usr/bin/env node
// Writes bpf/arch.h from the project's tables (src/kernel/arch-header.ts) and libseccomp's syscall
// tables. Run after npm run build:ts: `npm run gen:arch-h`. test/kernel/abi.test.ts checks the file.
import { writeFileSync } from 'node:fs';
import { archHeader } from '../dist/kernel/arch-header.js';
import { syscallNumberOf } from '../dist/syscalls/table.js';

const path = new URL('../bpf/arch.h', import.meta.url);
writeFileSync(path, archHeader(syscallNumberOf));
console.log(`wrote ${path.pathname}`);
