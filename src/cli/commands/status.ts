/**
 * status: what is being traced now — one line per target record (container id, namespace, since
 * when, output file, and whether its container and its kernel entry still exist), and whether
 * the recorder program is attached.
 */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { messageOf } from '../../errors.js';
import { Recorder } from '../../kernel/recorder.js';
import { containerAlive } from '../../state/gc.js';
import { listTargetIds, loadTarget } from '../../state/targets.js';
import { hostIdentity } from '../../broker/ownership.js';

export const status: Command = {
  name: 'status',
  usage: `Usage: seccomp-gen status [--json]

One line per traced container: id, namespace, since, output, state
(state: tracing; gone = its container ended without a poststop, run seccomp-gen gc;
not-recorded = no kernel entry, e.g. after a reboot).
Run by a user (rootless Podman): their containers traced through the broker, and their
profiles waiting to be written (seccomp-gen gc writes them).
`,
  run(args) {
    const { values } = parse(args, { json: { type: 'boolean' } }, false);
    const me = hostIdentity();
    if (me.rootless) return import('../rootless-user.js').then((v) => v.rootlessStatus(me.uid, values.json === true)); // a user: ask the broker
    const recorder = Recorder.open();
    const rows: Record<string, string>[] = [];
    try {
      const keys = recorder?.keys() ?? [];
      for (const id of listTargetIds()) {
        try {
          const r = loadTarget(id);
          if (!r) continue;
          const inKernel = keys.some((k) => k.kind === r.key.kind && k.inum === r.key.inum);
          const state = !containerAlive(r) ? 'gone' : inKernel ? 'tracing' : 'not-recorded';
          rows.push({ id, namespace: `${r.key.kind}:${r.key.inum}`, since: r.startedAt, output: r.output, state });
        } catch (e) {
          rows.push({ id, namespace: '?', since: '?', output: '?', state: `corrupt (${messageOf(e)})` });
        }
      }
    } finally {
      recorder?.close();
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ attached: recorder !== null, targets: rows }, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`recorder: ${recorder ? 'attached' : 'not attached'}; ${rows.length} traced container(s)\n`);
    for (const r of rows) process.stdout.write(`${r.id!.slice(0, 12)}  ${r.namespace}  ${r.since}  ${r.output}  ${r.state}\n`);
    return 0;
  },
};
