/**
 * gc: clean up after containers that ended without a poststop (podman killed with -9, a failed
 * poststop, a reboot): write the profiles their recordings still hold, remove their targets from
 * the kernel and the state directory, and detach the program if no target remains. Prestart does
 * the same cheaply on its own; this is for an administrator, or a timer.
 */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { withProgress } from '../progress.js';
import { loadConfig } from '../../config/config.js';
import { Recorder } from '../../kernel/recorder.js';
import { logEvent, setLogFile } from '../../log/log.js';
import { gc as collect } from '../../state/gc.js';
import { withLock } from '../../state/lock.js';
import { writeProfileOf } from '../../trace/finish.js';
import { hostIdentity } from '../../broker/ownership.js';
import { collectGone } from '../../broker/service.js';

export const gc: Command = {
  name: 'gc',
  usage: `Usage: seccomp-gen gc

For every traced container whose process (and namespace) no longer exists: write its profile
as its poststop would have, remove it from the kernel and from /run/seccomp-gen, and detach the
recorder when nothing is traced any more. Kernel entries no record claims are removed too.
Rootless containers that are gone: their recordings are kept for their users. Run by a user:
write the profiles of their own rootless containers that ended without a poststop.
`,
  run(args) {
    parse(args, {}, false);
    const me = hostIdentity();
    if (me.rootless) return import('../rootless-user.js').then((v) => v.rootlessGc(me.uid)); // a user: their leftovers, through the broker
    const config = loadConfig();
    setLogFile(config.logFile);
    const report = withProgress((progress) =>
      withLock(() => {
        const recorder = Recorder.open();
        try {
          // Rootless containers that are gone: their recordings are kept for their users (src/broker/).
          for (const ev of collectGone(recorder)) {
            process.stdout.write(`${ev.action} ${ev.id.slice(0, 12)} (uid ${ev.uid}, rootless): ${ev.detail}\n`);
            logEvent('gc', ev.action, { id: ev.id, uid: ev.uid }, ev.detail);
          }
          return collect({
            recorder,
            finish: (r, rec) => writeProfileOf(r, rec, config.outputDirs, { argumentFilters: config.argumentFilters }).output,
            onProgress: (checked, total) => progress.update({ what: 'checking containers', unit: 'items', done: checked, total }),
          });
        } finally {
          recorder?.close();
        }
      }),
    );
    for (const ev of report.events) {
      process.stdout.write(`${ev.action}${ev.id ? ` ${ev.id.slice(0, 12)}` : ''}: ${ev.detail}\n`);
      logEvent('gc', ev.action, { id: ev.id }, ev.detail);
    }
    process.stdout.write(`${report.kept} container(s) still traced${report.detached ? '; recorder detached' : ''}\n`);
    return 0;
  },
};
