/**
 * audit: what seccomp filters logged or refused, from the kernel's audit records, as a profile to
 * merge into the one in force — the second half of a complain-mode rollout (convert --to log).
 */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { emit, loadAll, warn } from '../profile-io.js';
import { withProgressAsync } from '../progress.js';
import { SeccompGenError } from '../../errors.js';
import { additionsFrom } from '../../audit/additions.js';
import { parseSince } from '../../audit/parse.js';
import { readAuditRecords, AUDIT_LOG } from '../../audit/source.js';
import { formatJson } from '../../io/write-file.js';
import type { Profile } from '../../profile/schema.js';
import { unnamedWarning } from '../../syscalls/resolve.js';
import { libseccompTable } from '../../syscalls/table.js';

export const audit: Command = {
  name: 'audit',
  usage: `Usage: seccomp-gen audit [--since T] [--comm NAME] [--base in-force.json] [--from FILE] [-o extra.json]

Reads the kernel's seccomp audit records (type=SECCOMP / type=1326: a syscall a filter logged
with SCMP_ACT_LOG, or refused where the kernel logs it) and writes a profile allowing each of
them, named for its arch by libseccomp, to merge into the profile in force:

  seccomp-gen convert app.json --to log -o app-log.json   # complain mode: log, do not refuse
  podman run --security-opt seccomp=app-log.json …        # run the real workload a while
  seccomp-gen audit --since 1h --base app.json -o extra.json
  seccomp-gen merge app.json extra.json -o app.json

Records come from ${AUDIT_LOG} when auditd runs, else the kernel log (journalctl -k,
else dmesg). Without auditd the kernel prints at most ~10 audit lines per 5 s and drops the
rest: run auditd for a complete picture, or audit again after the next run.

Options:
  --since T       only records since T: an age (30s, 10m, 2h, 1d), an ISO date, or epoch seconds
  --comm NAME     only records of processes with this command name (comm=, e.g. nginx)
  --base FILE     the profile in force: its default answer and arches are used, so that
                  merge needs no --default-action
  --from FILE     read records from FILE (- for stdin), e.g. ausearch -m SECCOMP --raw output
  -o, --output F  write there (atomically); default: stdout
`,
  async run(args) {
    const { values } = parse(
      args,
      { since: { type: 'string' }, comm: { type: 'string' }, base: { type: 'string' }, from: { type: 'string' }, output: { type: 'string', short: 'o' } },
      false,
    );
    const since = values.since !== undefined ? parseSince(values.since) : undefined;
    if (values.since !== undefined && since === undefined) throw new SeccompGenError('USAGE', `--since: "${values.since}" is neither an age (10m, 2h), a date nor epoch seconds`);
    let base: Profile | undefined;
    if (values.base !== undefined) {
      const [loaded] = loadAll([values.base], 'audit');
      base = loaded!.profile as Profile;
    }
    const { events: all, source, kernelLog } = await withProgressAsync((progress) =>
      readAuditRecords(values.from, {
        onProgress: (p) => progress.update({ what: `reading ${p.source}`, unit: 'bytes', done: p.bytes, total: p.totalBytes, detail: `${p.records} records` }),
      }),
    );
    const events = all.filter((e) => (since === undefined || (e.time !== undefined && e.time >= since)) && (values.comm === undefined || e.comm === values.comm));
    const additions = additionsFrom(events, libseccompTable(), base ? { base } : {});
    const warnings: string[] = [];
    if (additions.unknownArches.length) warnings.push(`records of arches this tool cannot name left out: ${additions.unknownArches.map((a) => `0x${a.toString(16)}`).join(', ')}`);
    if (additions.unknown.size) warnings.push(unnamedWarning(additions.unknown));
    if (kernelLog && additions.events) warnings.push('read from the kernel log, which keeps at most ~10 audit lines per 5 s: some calls may be missing; run auditd, or audit again after the next run');
    warn('audit', warnings);
    emit(formatJson(additions.profile), values.output);
    const actions = [...additions.byAction].map(([a, n]) => `${n} ${a.replace('SCMP_ACT_', '')}`).join(', ');
    const names = additions.profile.syscalls?.[0]?.names ?? [];
    process.stderr.write(
      `seccomp-gen audit: ${names.length} syscalls from ${additions.events} of ${all.length} records in ${source}${actions ? ` (${actions})` : ''}${names.length ? `: ${names.join(', ')}` : ''}\n`,
    );
    return 0;
  },
};
