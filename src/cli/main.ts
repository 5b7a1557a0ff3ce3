#!/usr/bin/env node
/** seccomp-gen: the command line. Dispatches to one command file; see registry.ts. */
import { readFileSync } from 'node:fs';
import { COMMANDS } from './registry.js';
import { runCommand } from './output.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `seccomp-gen ${version()}: seccomp profiles from what a container really does

Usage: seccomp-gen <command> [options]

Commands:
${lines.join('\n')}

Trace a container:
  podman run --annotation io.containers.trace-syscall=of:/abs/out.json IMAGE CMD
  podman run --security-opt seccomp=/abs/out.json IMAGE CMD

Run 'seccomp-gen <command> --help' for a command's options.
`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`seccomp-gen: unknown command "${name}" (see seccomp-gen --help)\n`);
    return 2;
  }
  const command = await entry.load();
  // After `--` the words are another program's (record -- CMD --help).
  const own = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(command.usage.endsWith('\n') ? command.usage : `${command.usage}\n`);
    return 0;
  }
  return runCommand(command, rest);
}

// `seccomp-gen status | head -1`: the reader has gone, and what is left to print is no one's.
// Without this, the EPIPE of the next write is an unhandled 'error' event: a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
