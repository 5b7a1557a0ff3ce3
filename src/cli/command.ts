/**
 * What a CLI command is: a name, a one-line summary for `seccomp-gen --help`, its own --help
 * text, and a run function that gets the arguments after the command name and returns the exit
 * code. Each command lives in its own file under commands/ and is listed in registry.ts.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number> | number;
}
