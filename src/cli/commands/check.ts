/**
 * check: whether tracing will work on this machine, before the first container, and why not.
 * Every check gets one line; the last line says yes or no with the first thing to fix. The
 * recorder is really loaded (the kernel's verifier is the last word) and let go at once: nothing
 * is attached or pinned, so it is safe while other containers are being traced.
 */
import type { Command } from '../command.js';
import { parse } from '../args.js';
import { messageOf } from '../../errors.js';
import { isBpffsMounted, BPFFS } from '../../kernel/bpffs.js';
import { machineChecks, type Finding } from '../../kernel/diagnose.js';
import { buildFor, describeFeatures, probeFeatures } from '../../kernel/features.js';
import { Recorder, pinDir, tryLoad } from '../../kernel/recorder.js';
import { libbpfVersion } from '../../ffi/libbpf.js';
import { libseccompVersion } from '../../ffi/libseccomp.js';

/** A check that throws is a failed check with the error's words. */
function attempt(check: string, fn: () => string): Finding {
  try {
    return { check, ok: true, detail: fn() };
  } catch (e) {
    return { check, ok: false, detail: messageOf(e) };
  }
}

/** Every check, in the order a reader fixes them: the machine, the libraries, then the kernel's answers. */
export function runChecks(): Finding[] {
  const findings = machineChecks();
  const mounted = isBpffsMounted();
  findings.push({ check: 'bpffs', ok: true, detail: mounted ? `mounted at ${BPFFS}` : `not mounted at ${BPFFS}: the first traced container's prestart mounts it` });
  findings.push(attempt('libbpf', () => `libbpf ${libbpfVersion()}`));
  findings.push(attempt('libseccomp', () => `libseccomp ${libseccompVersion()}`));
  const usable = findings.every((f) => f.ok);
  // The probes and the load need the privileges and libbpf checked above: without them their
  // errors would only repeat what is already said.
  if (!usable) return findings;
  let features;
  const probe = attempt('features', () => {
    features = probeFeatures();
    const limited = process.env.SECCOMP_GEN_FEATURES ? ` (limited by SECCOMP_GEN_FEATURES=${process.env.SECCOMP_GEN_FEATURES})` : '';
    return `${describeFeatures(features)}${limited} → build ${buildFor(features).program}`;
  });
  findings.push(probe);
  if (!probe.ok) return findings;
  findings.push(
    attempt('recorder', () => {
      const loaded = tryLoad();
      return `the kernel's verifier accepts ${buildFor(loaded).program} (loaded and let go; nothing attached)`;
    }),
  );
  findings.push(
    attempt('attached', () => {
      const recorder = Recorder.open();
      if (!recorder) return `no recorder attached now (${pinDir()}): the first traced container attaches it`;
      try {
        return `a recorder is attached (${pinDir()}), tracing ${recorder.keys().length} container(s)`;
      } finally {
        recorder.close();
      }
    }),
  );
  return findings;
}

export const check: Command = {
  name: 'check',
  usage: `Usage: seccomp-gen check [--json]

Say whether tracing containers will work on this machine, and if not, why: the kernel's
version and BTF, lockdown, privileges, bpffs, libbpf and libseccomp, the BPF features this
kernel has (and so which build of the recorder it gets), and whether its verifier accepts
the recorder (loaded and let go at once: nothing is attached). Run it as root, the way the
hooks run. Exit 0 if tracing will work, 1 if not.
--json: the checks as JSON ({ ok, checks: [{ check, ok, detail }] }).
`,
  run(args) {
    const { values } = parse(args, { json: { type: 'boolean' } }, false);
    const findings = runChecks();
    const failed = findings.find((f) => !f.ok);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ok: !failed, checks: findings }, null, 2)}\n`);
      return failed ? 1 : 0;
    }
    const width = Math.max(...findings.map((f) => f.check.length));
    for (const f of findings) process.stdout.write(`${f.ok ? 'ok  ' : 'FAIL'}  ${f.check.padEnd(width)}  ${f.detail}\n`);
    process.stdout.write(failed ? `tracing will not work here: ${failed.detail}\n` : 'tracing will work here\n');
    return failed ? 1 : 0;
  },
};
