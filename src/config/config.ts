/**
 * The administrator's settings, /etc/seccomp-gen/config.json (SECCOMP_GEN_CONFIG moves it; tests
 * use that). Optional: with no file every default applies. The hooks read it on every container,
 * so it is checked by hand (io/shape.ts), not with zod. It decides where root may write, so a file
 * anyone but root (or the user running us) could have changed is refused, not trusted.
 *
 *   {
 *     "outputDirs": ["/home", "/srv/profiles"],  // of: must be under one of these (policy/output-policy.ts)
 *     "prestartTimeoutSeconds": 5,                // longest prestart holds a container (lock wait)
 *     "failOpen": false,                          // kernel refuses BPF: run untraced, with a warning
 *     "logFile": "/var/log/seccomp-gen.log",      // one line per hook event
 *     "runtimes": ["crun"],                       // runtimes profiles must start under (default: every known one)
 *     "argumentFilters": true,                    // false: names-only profiles (no argument rules)
 *     "maxTracedPerUid": 50,                      // containers one starter may have traced at once (default: no limit; the rootless broker: 16 per person)
 *     "brokerMaxTraced": 512,                     // rootless containers the broker may trace at once, all users together (default 512)
 *     "maxTraceSeconds": 86400,                   // a target traced longer is finished, its profile written (default: none)
 *     "writeTimeoutSeconds": 30                   // longest a dead container's profile write may take (hung filesystem)
 *   }
 */
import { isAbsolute } from 'node:path';
import { statSync } from 'node:fs';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { ShapeError, object, optionalString, stringArray } from '../io/shape.js';
import { untrustedDirReason } from '../policy/trusted-dirs.js';
import { KNOWN_RUNTIMES, isKnownRuntime } from '../profile/runtime-sets.js';
import { SLOTS } from '../kernel/abi.js';

export const DEFAULT_CONFIG_PATH = '/etc/seccomp-gen/config.json';
export const DEFAULT_LOG_FILE = '/var/log/seccomp-gen.log';
const DEFAULT_PRESTART_TIMEOUT_SECONDS = 5;
/** The rootless broker's limit when maxTracedPerUid is unset: no unprivileged user may take more than a few slots. */
export const DEFAULT_MAX_TRACED_PER_UID = 16;
/**
 * The rootless broker's whole share of the recorder's table when brokerMaxTraced is unset: an
 * eighth of its 4096 slots (and never more than half of any probe sequence, broker/service.ts),
 * so root's tracing always finds room, whatever users register.
 */
export const DEFAULT_BROKER_MAX_TRACED = 512;
export const DEFAULT_WRITE_TIMEOUT_SECONDS = 30;
const MAX_CONFIG_BYTES = 64 * 1024;

export interface Config {
  /** Directories of: must be under (after resolving symlinks); undefined: no allow-list. */
  outputDirs?: string[];
  prestartTimeoutSeconds: number;
  failOpen: boolean;
  logFile: string;
  /** Argument rules in written profiles (profile/argument-rules.ts); false: names only. */
  argumentFilters: boolean;
  /** The OCI runtimes whose sets a profile carries (profile/runtime-sets.ts); undefined: all. */
  runtimes?: string[];
  /** Containers traced at once per owner uid (the starter's); undefined: no limit for root's hooks, DEFAULT_MAX_TRACED_PER_UID for the broker's users. */
  maxTracedPerUid?: number;
  /** Rootless containers the broker traces at once, all users together; undefined: DEFAULT_BROKER_MAX_TRACED. */
  brokerMaxTraced?: number;
  /** A target traced longer than this is finished (profile written) though its container runs. */
  maxTraceSeconds?: number;
  /** Longest the write of a dead container's profile may take; undefined: DEFAULT_WRITE_TIMEOUT_SECONDS. */
  writeTimeoutSeconds?: number;
}

export function configPath(): string {
  return process.env.SECCOMP_GEN_CONFIG ?? DEFAULT_CONFIG_PATH;
}

export function defaultConfig(): Config {
  return { prestartTimeoutSeconds: DEFAULT_PRESTART_TIMEOUT_SECONDS, failOpen: false, logFile: DEFAULT_LOG_FILE, argumentFilters: true };
}

/** Check parsed config data; unknown keys are refused (a misspelt "outputDir" must not silently allow everything). */
function checkConfig(data: unknown): Config {
  const o = object(data, 'config');
  const known = ['outputDirs', 'prestartTimeoutSeconds', 'failOpen', 'logFile', 'runtimes', 'argumentFilters', 'maxTracedPerUid', 'brokerMaxTraced', 'maxTraceSeconds', 'writeTimeoutSeconds'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new ShapeError(k, `unknown setting (known: ${known.join(', ')})`);
  const config = defaultConfig();
  if (o.outputDirs !== undefined) {
    const dirs = stringArray(o.outputDirs, 'outputDirs');
    dirs.forEach((d, i) => {
      if (!isAbsolute(d)) throw new ShapeError(`outputDirs[${i}]`, 'expected an absolute path');
    });
    config.outputDirs = dirs;
  }
  if (o.prestartTimeoutSeconds !== undefined) {
    const t = o.prestartTimeoutSeconds;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > 300) throw new ShapeError('prestartTimeoutSeconds', 'expected a number of seconds, above 0 and at most 300');
    config.prestartTimeoutSeconds = t;
  }
  if (o.failOpen !== undefined) {
    if (typeof o.failOpen !== 'boolean') throw new ShapeError('failOpen', 'expected true or false');
    config.failOpen = o.failOpen;
  }
  if (o.argumentFilters !== undefined) {
    if (typeof o.argumentFilters !== 'boolean') throw new ShapeError('argumentFilters', 'expected true or false');
    config.argumentFilters = o.argumentFilters;
  }
  const logFile = optionalString(o.logFile, 'logFile');
  if (logFile !== undefined) {
    if (!isAbsolute(logFile)) throw new ShapeError('logFile', 'expected an absolute path');
    config.logFile = logFile;
  }
  if (o.runtimes !== undefined) {
    const runtimes = stringArray(o.runtimes, 'runtimes');
    runtimes.forEach((r, i) => {
      if (!isKnownRuntime(r)) throw new ShapeError(`runtimes[${i}]`, `unknown runtime "${r}" (known: ${KNOWN_RUNTIMES.join(', ')})`);
    });
    config.runtimes = runtimes;
  }
  // brokerMaxTraced: at most half the recorder's slots, the other half is root's.
  const limits = { maxTracedPerUid: [1, 1_000_000, 'a whole number of containers'], brokerMaxTraced: [1, SLOTS / 2, 'a whole number of containers'], maxTraceSeconds: [1, 10 * 365 * 86400, 'a number of seconds'], writeTimeoutSeconds: [1, 3600, 'a number of seconds'] } as const;
  for (const [k, [min, max, what]] of Object.entries(limits)) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || ((k === 'maxTracedPerUid' || k === 'brokerMaxTraced') && !Number.isInteger(v))) {
      throw new ShapeError(k, `expected ${what}, from ${min} to ${max}`);
    }
    config[k as keyof typeof limits] = v;
  }
  return config;
}

/** The settings in force: the file's, or the defaults when there is none. */
export function loadConfig(path = configPath()): Config {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return defaultConfig();
    throw new SeccompGenError('CONFIG', `${path}: cannot read (${(e as NodeJS.ErrnoException).code})`);
  }
  const me = process.getuid?.() ?? 0;
  if ((st.uid !== 0 && st.uid !== me) || (st.mode & 0o022) !== 0) {
    throw new SeccompGenError('CONFIG', `${path}: must be owned by root and writable by no one else (chown root ${path}; chmod 644 ${path})`);
  }
  let data: unknown;
  try {
    data = parseJson(readRegularFile(path, MAX_CONFIG_BYTES), path);
  } catch (e) {
    throw new SeccompGenError('CONFIG', (e as Error).message);
  }
  let config: Config;
  try {
    config = checkConfig(data);
  } catch (e) {
    if (e instanceof ShapeError) throw new SeccompGenError('CONFIG', `${path}: ${e.message}`);
    throw e;
  }
  for (const [i, dir] of (config.outputDirs ?? []).entries()) {
    const why = untrustedDirReason(dir);
    if (why) throw new SeccompGenError('CONFIG', `${path}: outputDirs[${i}] ${dir} cannot be trusted: ${why}`);
  }
  return config;
}
