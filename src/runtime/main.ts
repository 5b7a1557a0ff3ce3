/**
 * The Node half of the wrapper runtime `seccomp-gen-runtime` (bin/seccomp-gen-runtime, a POSIX sh
 * script, is the other). The script runs for every command an engine gives its runtime and
 * starts this only for a create or run whose config.json mentions a trace request; it passes
 * what it found in the runtime's argv:
 *
 *   node main.js --spec BUNDLE/config.json [--log FILE] [--log-format json|text] [--id ID]
 *
 * Exit 0: the script execs the real runtime (the spec traced, or left as it was). Exit 1: the
 * container is refused, with one line on stderr and in the runtime log, where the engine reads it.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SeccompGenError, describeError } from '../errors.js';
import { loadConfig } from '../config/config.js';
import { logEvent, setLogFile } from '../log/log.js';
import { CannotTrace, prepareSpec } from './prepare.js';
import { logRuntimeError } from './runtime-log.js';

const PREFIX = 'seccomp-gen-runtime';

function run(): void {
  const { values } = parseArgs({
    options: { spec: { type: 'string' }, log: { type: 'string' }, 'log-format': { type: 'string' }, id: { type: 'string' } },
    strict: true,
  });
  const log = { file: values.log, format: values['log-format'] ?? 'text' };
  const id = values.id;
  const refuse = (e: unknown): void => {
    const { text, exitCode } = describeError(PREFIX, e);
    process.stderr.write(`${text}\n`);
    logRuntimeError(log.file, log.format, text.split('\n')[0]!);
    logEvent('runtime', 'refused', { id, code: e instanceof SeccompGenError ? e.code : 'BUG' }, text.split('\n')[0]);
    process.exitCode = exitCode;
  };
  if (values.spec === undefined) return refuse(new SeccompGenError('USAGE', 'no --spec: run as seccomp-gen-runtime, not directly'));
  let config;
  try {
    config = loadConfig();
    setLogFile(config.logFile);
  } catch (e) {
    return refuse(e);
  }
  try {
    const plan = prepareSpec(resolve(values.spec)); // runc's default bundle is the working directory
    if (plan.declined) logEvent('runtime', 'not-traced', { id }, plan.declined);
    if (!plan.request) return;
    if (plan.alreadyHooked) logEvent('runtime', 'hooked', { id, spec: values.spec }, 'the spec already runs seccomp-gen\'s hooks (hooks.d): traced by them');
    else logEvent('runtime', 'hooks-added', { id, spec: values.spec, from: plan.request.from });
  } catch (e) {
    if (e instanceof CannotTrace && config.failOpen) {
      const warning = `container ${id ?? '(no id)'} runs UNTRACED (failOpen): ${e.reason.message}`;
      process.stderr.write(`${PREFIX}: warning: ${warning}\n`);
      logEvent('runtime', 'warning', { id }, warning);
      return;
    }
    refuse(e instanceof CannotTrace ? e.reason : e);
  }
}

try {
  run();
} catch (e) {
  // parseArgs' own errors (an option the script never gives), or a bug.
  const { text } = describeError(PREFIX, e);
  process.stderr.write(`${text}\n`);
  process.exitCode = 2;
}
