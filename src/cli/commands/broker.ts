/**
 * broker: the one privileged part of rootless tracing (src/broker/). In the foreground by
 * default; under systemd socket activation (LISTEN_FDS) it serves the inherited socket and
 * exits after an idle period, to be started again by the next connection. Its state is on disk
 * and in the kernel, so a restart loses nothing.
 */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { SeccompGenError, messageOf } from '../../errors.js';
import { DEFAULT_BROKER_MAX_TRACED, DEFAULT_MAX_TRACED_PER_UID, loadConfig } from '../../config/config.js';
import { logEvent, setLogFile } from '../../log/log.js';
import { brokerSocketPath } from '../../broker/paths.js';
import { startServer } from '../../broker/server.js';
import { BrokerService } from '../../broker/service.js';

/** sd_listen_fds(3): descriptors passed by systemd start at 3, when meant for this process. */
export function activationFd(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | undefined {
  if (env.LISTEN_PID !== String(pid) || env.LISTEN_FDS === undefined) return undefined;
  const n = Number(env.LISTEN_FDS);
  if (!Number.isInteger(n) || n < 1) return undefined;
  if (n > 1) throw new SeccompGenError('USAGE', `systemd passed ${n} sockets; seccomp-gen-broker.socket listens on one`);
  return 3;
}

const DEFAULT_COLLECT_SECONDS = 60;

export const broker: Command = {
  name: 'broker',
  usage: `Usage: seccomp-gen broker [--idle-exit SECONDS] [--step-timeout SECONDS] [--collect-interval SECONDS]

Serve rootless Podman's hooks: the root side of tracing a user's own containers. Listens on
<run dir>/broker.sock (/run/seccomp-gen/broker.sock), or on the socket systemd passes
(seccomp-gen-broker.socket; install it with seccomp-gen install --rootless).
--idle-exit: exit after this long without a request (default: never in the foreground,
  60 under socket activation).
--step-timeout: drop a client that has not finished a step of its exchange (asking, then
  acknowledging a recording) within this long, whatever it sends meanwhile (default 5).
--collect-interval: look for rootless containers that ended without their poststop this often
  (default 60).
Needs root. Limits count the person behind a uid (a subordinate uid of /etc/subuid is its
user's): containers of one user at most maxTracedPerUid (seccomp-gen config, default 16), of all
users at most brokerMaxTraced (default 512: the rest of the recorder is root's).
`,
  async run(args) {
    const { values } = parse(args, { 'idle-exit': { type: 'string' }, 'step-timeout': { type: 'string' }, 'collect-interval': { type: 'string' } }, false);
    const seconds = (v: string | undefined, name: string): number | undefined => {
      if (v === undefined) return undefined;
      if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0 || Number(v) > 86400) throw new SeccompGenError('USAGE', `--${name} ${v}: expected seconds, above 0 and at most 86400`);
      return Number(v);
    };
    if (process.geteuid?.() !== 0) throw new SeccompGenError('USAGE', 'the broker loads the BPF recorder: run it as root');
    const config = loadConfig();
    setLogFile(config.logFile);
    const fd = activationFd();
    const idleExit = seconds(values['idle-exit'], 'idle-exit') ?? (fd !== undefined ? 60 : undefined);
    const stepTimeout = seconds(values['step-timeout'], 'step-timeout') ?? 5;
    const collectEvery = seconds(values['collect-interval'], 'collect-interval') ?? DEFAULT_COLLECT_SECONDS;
    const service = new BrokerService({
      maxPerUid: config.maxTracedPerUid ?? DEFAULT_MAX_TRACED_PER_UID,
      maxTraced: config.brokerMaxTraced ?? DEFAULT_BROKER_MAX_TRACED,
      lockTimeoutMs: config.prestartTimeoutSeconds * 1000,
      ...(process.env.SECCOMP_GEN_BPF_OBJECT ? { objectPath: process.env.SECCOMP_GEN_BPF_OBJECT } : {}),
    });
    let collecting: Promise<void> | undefined;
    const collect = (): Promise<void> =>
      (collecting ??= service
        .collect()
        .then((events) => {
          for (const ev of events) logEvent('broker', ev.action, { uid: ev.uid, id: ev.id }, ev.detail);
        })
        .catch((e: unknown) => logEvent('broker', 'gc-failed', {}, messageOf(e)))
        .finally(() => (collecting = undefined)));
    await collect(); // what happened while no broker ran
    const listen = fd !== undefined ? { fd } : { path: brokerSocketPath() };
    const running = await startServer({ service, listen, stepTimeoutMs: stepTimeout * 1000 });
    const where = 'path' in listen ? listen.path : `the socket systemd passed (fd ${fd})`;
    process.stderr.write(`seccomp-gen broker: listening on ${where}\n`);
    logEvent('broker', 'started', { pid: process.pid }, `listening on ${where}`);
    return new Promise<number>((resolve) => {
      const stop = (why: string) => {
        clearInterval(timer);
        logEvent('broker', 'stopped', {}, why);
        void Promise.all([running.close(), collecting]).then(() => resolve(0));
      };
      let lastCollect = Date.now();
      const timer = setInterval(() => {
        if (Date.now() - lastCollect >= collectEvery * 1000) {
          lastCollect = Date.now();
          void collect();
        }
        if (idleExit !== undefined && !running.busy() && collecting === undefined && Date.now() - running.lastActivity() > idleExit * 1000) stop('idle');
      }, Math.min(collectEvery, idleExit ?? collectEvery) * 250);
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  },
};
