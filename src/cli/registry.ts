/** Every CLI command, loaded only when it is the one asked for (start-up stays fast). */
import type { Command } from './command.js';

export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  audit: { summary: 'turn the kernel\'s seccomp audit records (logged or refused syscalls) into profile additions', load: async () => (await import('./commands/audit.js')).audit },
  broker: { summary: 'serve rootless Podman: the root side that traces a user\'s own containers (socket-activated or foreground)', load: async () => (await import('./commands/broker.js')).broker },
  check: { summary: 'say whether tracing will work on this machine (kernel, BTF, privileges, libraries, the recorder loading), and why not', load: async () => (await import('./commands/check.js')).check },
  convert: { summary: 'rewrite a profile for podman, docker, an OCI config or a Kubernetes SeccompProfile', load: async () => (await import('./commands/convert.js')).convert },
  diff: { summary: 'show the syscalls added, removed and changed between two profiles', load: async () => (await import('./commands/diff.js')).diff },
  gc: { summary: 'clean up tracing state of containers that are gone (their profiles are written)', load: async () => (await import('./commands/gc.js')).gc },
  install: { summary: 'write the OCI hook files into a hooks.d directory (--docker: also the wrapper runtime into daemon.json)', load: async () => (await import('./commands/install.js')).install },
  merge: { summary: 'combine profiles: union (default) or --intersect', load: async () => (await import('./commands/merge.js')).merge },
  record: { summary: 'run a host command and write the profile of everything it and its children called', load: async () => (await import('./commands/record.js')).record },
  show: { summary: 'summarize a profile and compare it with Docker\'s default', load: async () => (await import('./commands/show.js')).show },
  snapshot: { summary: 'write the profile so far of a traced, running container', load: async () => (await import('./commands/snapshot.js')).snapshot },
  status: { summary: 'list the containers being traced and whether the recorder is attached', load: async () => (await import('./commands/status.js')).status },
  uninstall: { summary: 'remove the OCI hook files from a hooks.d directory', load: async () => (await import('./commands/install.js')).uninstall },
  validate: { summary: 'check profiles: their shape, and every syscall name against libseccomp', load: async () => (await import('./commands/validate.js')).validate },
  wait: { summary: 'wait until a traced container\'s profile is written (Docker, containerd: when the container is deleted)', load: async () => (await import('./commands/wait.js')).wait },
};
