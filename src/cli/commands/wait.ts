/**
 * wait: until a traced container's profile is written. Podman waits for the poststop hook before
 * `podman run` returns; Docker, containerd and Kubernetes run it when they delete the container,
 * which for `docker run -d`, `ctr run -d`, a pod, or a container stopped from elsewhere is after
 * the command that started it has returned. So: wait until the container's target record is gone
 * (poststop, or gc, took it out), then until no poststop or profile writer is still at work, then
 * say where the profile is — or why it is not.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { normalize } from 'node:path';
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { resolveContainer } from '../containers.js';
import { SeccompGenError } from '../../errors.js';
import { quote } from '../../log/quote.js';
import { containerAlive } from '../../tracing/gc.js';
import { listTargetIds, loadTargetHead, type TargetRecord } from '../../state/targets.js';
import { listUnwritten } from '../../state/unwritten.js';
import { WRITE_UNWRITTEN_STAGE } from '../../write/stages.js';

export type Outcome = { kind: 'written' } | { kind: 'unwritten'; reason: string } | { kind: 'missing' };

export interface WaitDeps {
  /** The target record of `id`, while there is one. */
  record(id: string): TargetRecord | null;
  alive(record: TargetRecord): boolean;
  /** A poststop hook or a profile writer is running (it may be finishing one of ours). */
  writing(): boolean;
  outcome(record: TargetRecord): Outcome;
  now(): number;
  sleep(ms: number): void;
  /** Told once when a container has been gone a while and its record is still there. */
  hint(message: string): void;
}

export interface Waited {
  record: TargetRecord;
  /** undefined: still traced when the time ran out. */
  outcome?: Outcome;
}

/** A container gone this long with its record still there has lost its poststop. */
const GONE_HINT_MS = 10_000;

/** Wait for every record's profile; `timeoutMs` undefined: as long as it takes (the container may run for days). */
export function waitForProfiles(records: readonly TargetRecord[], deps: WaitDeps, timeoutMs?: number): Waited[] {
  const deadline = timeoutMs === undefined ? Infinity : deps.now() + timeoutMs;
  const goneSince = new Map<string, number>();
  let hinted = false;
  for (;;) {
    const pending = records.filter((r) => deps.record(r.id) !== null);
    if (!pending.length) break;
    if (deps.now() >= deadline) return records.map((r) => (pending.includes(r) ? { record: r } : { record: r, outcome: deps.outcome(r) }));
    for (const r of pending) if (!goneSince.has(r.id) && !deps.alive(r)) goneSince.set(r.id, deps.now());
    const lost = pending.find((r) => deps.now() - (goneSince.get(r.id) ?? Infinity) > GONE_HINT_MS);
    if (lost && !hinted) {
      deps.hint(`container ${quote(lost.id)} ended over ${GONE_HINT_MS / 1000} s ago and its poststop has not run (is its engine still deleting it?); seccomp-gen gc writes its profile`);
      hinted = true;
    }
    deps.sleep(100);
  }
  while (deps.writing() && deps.now() < deadline) deps.sleep(50);
  return records.map((record) => ({ record, outcome: deps.outcome(record) }));
}

/** Whether a process runs seccomp-gen's poststop hook or a profile writer (from /proc). */
function hookWriting(): boolean {
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const at = argv.findIndex((a) => a.endsWith('/hook/main.cjs'));
    if (at >= 0 && ['poststop', WRITE_UNWRITTEN_STAGE].includes(argv[at + 1] ?? '')) return true;
  }
  return false;
}

/** Where this record's profile is: written since it was traced, kept unwritten with a reason, or neither. */
function outcomeOf(record: TargetRecord): Outcome {
  try {
    if (statSync(record.output).mtimeMs >= Date.parse(record.startedAt)) return { kind: 'written' };
  } catch {
    /* not there */
  }
  const kept = listUnwritten().find((i) => i.id === record.id);
  if (kept) return { kind: 'unwritten', reason: kept.note?.reason ?? 'set aside, its writer is at work' };
  return { kind: 'missing' };
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The records a reference names: an of: path (every container tracing into it), or a container. */
function recordsOf(ref: string): TargetRecord[] | string {
  const heads = () => listTargetIds().flatMap((id) => {
    try {
      return [loadTargetHead(id)].filter((r): r is TargetRecord => r !== null);
    } catch {
      return [];
    }
  });
  if (ref.startsWith('/')) {
    const path = normalize(ref);
    const into = heads().filter((r) => r.output === path);
    if (into.length) return into;
    const kept = listUnwritten().find((i) => i.note?.output === path);
    if (kept) throw new SeccompGenError('PATH', `${quote(path)}: the profile of container ${quote(kept.id)} was not written there: ${kept.note!.reason} (seccomp-gen status lists it, seccomp-gen gc writes it)`);
    return `no traced container writes ${quote(path)} now: nothing to wait for`;
  }
  let id: string;
  try {
    id = resolveContainer(ref);
  } catch (e) {
    if (!(e instanceof SeccompGenError) || e.code !== 'TARGET') throw e;
    const kept = listUnwritten().find((i) => i.id === ref || i.id.startsWith(ref));
    if (kept) throw new SeccompGenError('PATH', `container ${quote(kept.id)}: its profile was not written to ${quote(kept.note?.output ?? '?')}: ${kept.note?.reason ?? 'set aside, being written'} (seccomp-gen status, seccomp-gen gc)`);
    return `container ${quote(ref)} is not traced now (a profile it had is written): nothing to wait for`;
  }
  const record = loadTargetHead(id);
  return record ? [record] : `container ${quote(ref)} is not traced now: nothing to wait for`;
}

export const wait: Command = {
  name: 'wait',
  usage: `Usage: seccomp-gen wait <container id, id prefix, name, or /abs/of-path>… [--timeout SECONDS]

Waits until the profile of each traced container is written, then prints where it is.
Docker, containerd and Kubernetes run the poststop hook that writes it when they delete the
container: after \`docker run -d\`, \`ctr run -d\`, in a pod, or when it is stopped from
elsewhere, that is after the command that started it has returned. A container still running
is waited for until it stops. An /abs/of-path (the annotation's of:) waits for every container
tracing into that file.

Exit 0: written (or nothing traced by that name now: its profile, if it had one, is written).
Exit 1: a profile was not written (the reason is printed; seccomp-gen status lists it and
seccomp-gen gc writes it once its path works), or --timeout ran out.

Options:
  --timeout SECONDS  give up after this long (default: no limit)
`,
  run(args) {
    const { values, positionals } = parse(args, { timeout: { type: 'string' } });
    if (!positionals.length) throw new SeccompGenError('USAGE', 'give a container id, name or of: path (see --help)');
    let timeoutMs: number | undefined;
    if (values.timeout !== undefined) {
      if (!/^\d+$/.test(values.timeout)) throw new SeccompGenError('USAGE', `--timeout ${values.timeout}: expected whole seconds`);
      timeoutMs = Number(values.timeout) * 1000;
    }
    const records: TargetRecord[] = [];
    for (const ref of positionals) {
      const found = recordsOf(ref);
      if (typeof found === 'string') process.stderr.write(`seccomp-gen wait: ${found}\n`);
      else records.push(...found.filter((r) => !records.some((o) => o.id === r.id)));
    }
    const deps: WaitDeps = {
      record: (id) => {
        try {
          return loadTargetHead(id);
        } catch {
          return null; // corrupt: gc's to remove, no longer a container to wait for
        }
      },
      alive: containerAlive,
      writing: hookWriting,
      outcome: outcomeOf,
      now: Date.now,
      sleep: sleepSync,
      hint: (m) => process.stderr.write(`seccomp-gen wait: ${m}\n`),
    };
    let status = 0;
    for (const { record, outcome } of waitForProfiles(records, deps, timeoutMs)) {
      const who = `container ${quote(record.id.slice(0, 12))}`;
      if (!outcome) {
        process.stderr.write(`seccomp-gen wait: ${who} is still traced after ${values.timeout} s (it writes ${quote(record.output)} when it stops)\n`);
        status = 1;
      } else if (outcome.kind === 'written') {
        process.stdout.write(`${record.id}: profile written to ${quote(record.output)}\n`);
      } else {
        const why = outcome.kind === 'unwritten' ? `${outcome.reason} (seccomp-gen status lists it, seccomp-gen gc writes it once the path works)` : 'nothing is there: see the seccomp-gen log';
        process.stderr.write(`seccomp-gen wait: ${who}: its profile was not written to ${quote(record.output)}: ${why}\n`);
        status = 1;
      }
    }
    return status;
  },
};
