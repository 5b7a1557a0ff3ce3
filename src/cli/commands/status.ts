/**
 * status: what is being traced now — one line per target record (container id, namespace, since
 * when, output file, and whether its container and its kernel entry still exist), whether the
 * recorder program is attached, and the recordings whose profile is not written (with why, and
 * the size of that store). Every path and id is quoted when not plain (log/quote.ts): a path is
 * the user's choice, and must not rewrite the terminal or pose as another row.
 */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { messageOf } from '../../errors.js';
import { whatIsMissing } from '../../kernel/diagnose.js';
import { Recorder } from '../../kernel/recorder.js';
import { sameKey } from '../../kernel/target-codec.js';
import { escapeText, quote } from '../../log/quote.js';
import { containerAlive } from '../../tracing/gc.js';
import { MAX_UNWRITTEN_BYTES } from '../../state/limits.js';
import { listTargetIds, loadTargetHead } from '../../state/targets.js';
import { listUnwritten } from '../../state/unwritten.js';
import { hostIdentity, stillRunning } from '../../broker/ownership.js';
import { Persons } from '../../broker/persons.js';
import { DEFAULT_BROKER_MAX_TRACED, loadConfig } from '../../config/config.js';
import { allRecords, allKept } from '../../state/broker-records.js';

export const status: Command = {
  name: 'status',
  usage: `Usage: seccomp-gen status [--json]

Whether the recorder is attached (if not, and this machine could not run it, what it lacks).
One line per traced container: id, namespace, since, output, state
(state: tracing; gone = its container ended without a poststop, run seccomp-gen gc;
not-recorded = no kernel entry, e.g. after a reboot).
Then the profiles not written (their recordings are kept in /run/seccomp-gen/unwritten/):
id, output, since, reason; seccomp-gen gc tries them again.
Then what the rootless broker holds for users: their traced containers (uid, and the user a
subordinate uid belongs to) and the recordings it keeps for them.
Run by a user (rootless Podman): their containers traced through the broker, and their
profiles waiting to be written (seccomp-gen gc writes them).
`,
  run(args) {
    const { values } = parse(args, { json: { type: 'boolean' } }, false);
    const me = hostIdentity();
    if (me.rootless) return import('../../rootless/user-commands.js').then((v) => v.rootlessStatus(me.uid, values.json === true)); // a user: ask the broker
    const recorder = Recorder.open();
    const rows: Record<string, string>[] = [];
    try {
      const keys = recorder?.keys() ?? [];
      for (const id of listTargetIds()) {
        try {
          const r = loadTargetHead(id);
          if (!r) continue;
          const inKernel = keys.some((k) => sameKey(k, r.key));
          const state = !containerAlive(r) ? 'gone' : inKernel ? 'tracing' : 'not-recorded';
          rows.push({ id, namespace: `${r.key.kind}:${r.key.inum}`, since: r.startedAt, output: r.output, state });
        } catch (e) {
          rows.push({ id, namespace: '?', since: '?', output: '?', state: `corrupt (${messageOf(e)})` });
        }
      }
    } finally {
      recorder?.close();
    }
    const unwritten = listUnwritten().map((i) => ({
      id: i.id,
      output: i.note?.output ?? '?',
      since: i.note?.at ?? new Date(i.mtimeMs).toISOString(),
      reason: i.note?.reason ?? 'set aside, being written',
      bytes: i.bytes,
    }));
    const unwrittenBytes = unwritten.reduce((n, u) => n + u.bytes, 0);
    // What the broker holds (src/broker/): it shares the recorder with root's hooks.
    const persons = new Persons();
    const rootless = allRecords().map((r) => ({ id: r.id, uid: r.uid, person: persons.of(r.uid), namespace: `${r.key.kind}:${r.key.inum}`, since: r.startedAt, state: stillRunning(r.pid, r.key, r.start) ? 'tracing' : 'gone' }));
    const kept = allKept().map((k) => ({ id: k.id, uid: k.uid, person: persons.of(k.uid), bytes: k.bytes }));
    let share = DEFAULT_BROKER_MAX_TRACED;
    try {
      share = loadConfig().brokerMaxTraced ?? share;
    } catch {
      /* a bad config is the broker's and gc's to report: status still shows what there is */
    }
    // Not attached: say at once if this machine could not attach it (diagnose.ts, a few files read).
    const missing = recorder ? [] : whatIsMissing();
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ attached: recorder !== null, ...(missing.length ? { cannotRun: missing } : {}), targets: rows, unwritten, unwrittenBytes, unwrittenMaxBytes: MAX_UNWRITTEN_BYTES, broker: { targets: rootless, maxTraced: share, kept } }, null, 2)}\n`);
      return 0;
    }
    const cannotRun = missing.length ? ` (this machine cannot run it: ${missing.join('; ')}; seccomp-gen check says more)` : '';
    process.stdout.write(`recorder: ${recorder ? 'attached' : `not attached${cannotRun}`}; ${rows.length} traced container(s)${rootless.length ? `, and ${rootless.length} rootless through the broker` : ''}\n`);
    for (const r of rows) process.stdout.write(`${quote(r.id!.slice(0, 12))}  ${r.namespace}  ${r.since}  ${quote(r.output!)}  ${escapeText(r.state!)}\n`);
    if (unwritten.length) {
      process.stdout.write(`profiles not written: ${unwritten.length}, ${unwrittenBytes} bytes kept (at most ${MAX_UNWRITTEN_BYTES}, the oldest go first); seccomp-gen gc tries again\n`);
      for (const u of unwritten) process.stdout.write(`${quote(u.id.slice(0, 12))}  ${quote(u.output)}  ${u.since}  ${escapeText(u.reason)}\n`);
    }
    if (rootless.length || kept.length) {
      const users = new Set([...rootless, ...kept].map((r) => r.person)).size;
      process.stdout.write(`rootless, through the broker: ${rootless.length} traced container(s) (at most ${share}), ${kept.length} recording(s) kept, of ${users} user(s)\n`);
      const who = (r: { uid: number; person: number }) => (r.person === r.uid ? `uid ${r.uid}` : `uid ${r.uid} (of uid ${r.person})`);
      for (const r of rootless) process.stdout.write(`${quote(r.id.slice(0, 12))}  ${who(r)}  ${r.namespace}  ${r.since}  ${r.state}\n`);
      for (const k of kept) process.stdout.write(`${quote(k.id.slice(0, 12))}  ${who(k)}  recording kept, ${k.bytes} bytes (its user's seccomp-gen gc writes it)\n`);
    }
    return 0;
  },
};
