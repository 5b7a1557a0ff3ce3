/**
 * gc: clean up after containers that ended without a poststop (podman killed with -9, a failed
 * poststop, a reboot): set the recordings they left aside, remove their targets from the kernel
 * and the state directory and detach the program if no target remains (all under the lock), then,
 * after it, write the profiles of every recording in unwritten/ (those just set aside, and those
 * an earlier write failed for), each under the writeTimeoutSeconds limit. Prestart does the same
 * cheaply on its own; this is for an administrator, or a timer.
 */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { withProgress } from '../progress.js';
import { DEFAULT_BROKER_MAX_TRACED, DEFAULT_MAX_TRACED_PER_UID, loadConfig } from '../../config/config.js';
import { logEvent, setLogFile } from '../../log/log.js';
import { quote } from '../../log/quote.js';
import { gc as collect, type GcEvent } from '../../tracing/gc.js';
import { withLock } from '../../tracing/lock.js';
import { kernelRecorders } from '../../tracing/recorder.js';
import { hostIdentity } from '../../broker/ownership.js';
import { Persons } from '../../broker/persons.js';
import { collectGoneInBatches } from '../../broker/service.js';
import { allRecords } from '../../state/broker-records.js';
import { listUnwritten } from '../../state/unwritten.js';
import { writeAll } from '../../write/writer.js';

export const gc: Command = {
  name: 'gc',
  usage: `Usage: seccomp-gen gc

For every traced container whose process (and namespace) no longer exists: write its profile
as its poststop would have, remove it from the kernel and from /run/seccomp-gen, and detach the
recorder when nothing is traced any more. Kernel entries no record claims are removed too.
Profiles that could not be written before (seccomp-gen status lists them) are tried again.
Rootless containers that are gone: their recordings are kept for their users. Run by a user:
write the profiles of their own rootless containers that ended without a poststop.
`,
  async run(args) {
    parse(args, {}, false);
    const me = hostIdentity();
    if (me.rootless) return import('../../rootless/user-commands.js').then((v) => v.rootlessGc(me.uid)); // a user: their leftovers, through the broker
    const config = loadConfig();
    setLogFile(config.logFile);
    // Rootless containers that are gone: their recordings are kept for their users (src/broker/),
    // in batches, the lock let go between them (a prestart meanwhile is not refused).
    const persons = new Persons();
    const rootless = await collectGoneInBatches({
      lockTimeoutMs: config.prestartTimeoutSeconds * 1000,
      kept: { perPerson: config.maxTracedPerUid ?? DEFAULT_MAX_TRACED_PER_UID, total: config.brokerMaxTraced ?? DEFAULT_BROKER_MAX_TRACED, personOf: (uid) => persons.of(uid) },
    });
    for (const ev of rootless) {
      process.stdout.write(`${ev.action} ${quote(ev.id.slice(0, 12))} (uid ${ev.uid}, rootless): ${ev.detail}\n`);
      logEvent('gc', ev.action, { id: ev.id, uid: ev.uid }, ev.detail);
    }
    const report = withProgress((progress) =>
      withLock(() => {
        const recorder = kernelRecorders.open();
        try {
          const r = collect({
            recorder,
            ...(config.maxTraceSeconds !== undefined ? { maxTraceMs: config.maxTraceSeconds * 1000 } : {}),
            onProgress: (checked, total) => progress.update({ what: 'checking containers', unit: 'items', done: checked, total }),
          });
          if (!r.detached) recorder?.recount(); // counts a killed hook may have left too high
          return r;
        } finally {
          recorder?.close();
        }
      }),
    );
    for (const ev of report.events) logEvent('gc', ev.action, { id: ev.id }, ev.detail);
    // After the lock: a hung output filesystem holds up this command only, never a container.
    const now = Date.now();
    const items = listUnwritten();
    const busy = items.filter((i) => i.note?.until && Date.parse(i.note.until) > now); // a prestart's writer is at work
    const written = await writeAll(items.filter((i) => !busy.includes(i)).map((i) => i.id), config);
    const writing = busy.map((i): GcEvent => ({ id: i.id, action: 'writing', detail: `a prestart's writer is at work on it, until ${i.note!.until}` }));
    for (const ev of [...report.events.filter((e) => e.action !== 'set-aside'), ...written, ...writing]) {
      process.stdout.write(`${ev.action}${ev.id ? ` ${quote(ev.id.slice(0, 12))}` : ''}: ${ev.detail}\n`);
    }
    const broker = allRecords().length;
    process.stdout.write(`${report.kept} container(s) still traced${broker ? `, and ${broker} rootless through the broker` : ''}${report.detached ? '; recorder detached' : ''}\n`);
    return 0;
  },
};
