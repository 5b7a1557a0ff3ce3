/**
 * What a CLI command is: a name, its own --help text, and a run function that gets the arguments
 * after the command name and returns the exit code. Each command lives in its own file under
 * commands/ and is listed in registry.ts with its one-line summary (kept there, so that
 * `seccomp-gen --help` lists every command without loading any).
 */
export interface Command {
  name: string;
  usage: string;
  run(args: string[]): Promise<number> | number;
}
