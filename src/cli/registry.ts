/** Every CLI command, loaded only when it is the one asked for (start-up stays fast). */
import type { Command } from './command.js';

export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  install: { summary: 'write the OCI hook files into a hooks.d directory', load: async () => (await import('./commands/install.js')).install },
  snapshot: { summary: 'write the profile so far of a traced, running container', load: async () => (await import('./commands/snapshot.js')).snapshot },
  uninstall: { summary: 'remove the OCI hook files', load: async () => (await import('./commands/install.js')).uninstall },
};
