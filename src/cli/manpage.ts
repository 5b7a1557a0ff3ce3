/**
 * seccomp-gen(1), rendered from the same texts the CLI prints: each command's summary (as
 * `seccomp-gen --help` lists it) and its whole --help text, verbatim. The build writes it to
 * dist/man/seccomp-gen.1 (write-manpage.ts), so the page cannot drift from --help.
 * The prose around them takes its paths, names and exit codes from the code's own constants.
 */
import { ANNOTATION, K8S_CONTAINER_NAME } from '../oci/annotation.js';
import { DEFAULT_CONFIG_PATH, DEFAULT_LOG_FILE } from '../config/config.js';
import { DEFAULT_PIN_DIR } from '../kernel/bpffs.js';
import { DEFAULT_RUN_DIR } from '../state/paths.js';
import { DEFAULT_KUBERNETES_DIR } from '../policy/output-policy.js';
import { SeccompGenError, describeError } from '../errors.js';
import { DEFAULT_HOOKS_DIR } from './commands/install.js';
import { hookFileNames } from '../hooks/definitions.js';
import { COMMANDS } from './registry.js';

export interface ManCommand {
  name: string;
  summary: string;
  usage: string;
}

export interface ManPageInput {
  version: string;
  /** YYYY-MM-DD, the page's date in its footer. */
  date: string;
  commands: ManCommand[];
  /** The hooks.d files `install` writes. */
  hookFiles: string[];
}

/** Every registered command as the CLI shows it: the summary from `--help`, the text of `COMMAND --help`. */
async function registeredCommands(): Promise<ManCommand[]> {
  return Promise.all(Object.entries(COMMANDS).map(async ([name, entry]) => ({ name, summary: entry.summary, usage: (await entry.load()).usage })));
}

/** Everything renderManPage needs but the version and date, read from this installation. */
export async function manPageFacts(): Promise<Pick<ManPageInput, 'commands' | 'hookFiles'>> {
  return { commands: await registeredCommands(), hookFiles: hookFileNames() };
}

/** Roff already escaped (a font change, a macro line's argument), inserted as it is. */
class Roff {
  constructor(readonly text: string) {}
}

/**
 * Text as roff prints it literally. A backslash would start an escape; '-' may print as a
 * hyphen (U+2010), which breaks an option pasted into a shell; ' and ` may print as curly
 * quotes; a non-ASCII character is read as Latin-1 unless preconv runs, so it is named instead.
 */
export function escapeRoff(text: string): string {
  let out = '';
  for (const ch of text.replace(/\t/g, '        ')) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\e';
    else if (ch === '-') out += '\\-';
    else if (ch === "'") out += '\\(aq';
    else if (ch === '`') out += '\\(ga';
    else if (code > 0x7f) out += `\\[u${code.toString(16).toUpperCase().padStart(4, '0')}]`;
    else if ((code >= 0x20 && code < 0x7f) || ch === '\n') out += ch;
    // other control characters print nothing a reader could use: left out
  }
  return out;
}

/** Lines of escaped text, none read as a request: one starting with '.' or ' gets a \& first. */
function textLines(escaped: string): string[] {
  return escaped.split('\n').map((line) => (/^[.']/.test(line) ? `\\&${line}` : line));
}

/** A text line (or several) with literal parts escaped and Roff parts inserted as they are. */
function t(strings: TemplateStringsArray, ...parts: (string | Roff)[]): string[] {
  let out = escapeRoff(strings[0]!);
  parts.forEach((p, i) => {
    out += (p instanceof Roff ? p.text : escapeRoff(p)) + escapeRoff(strings[i + 1]!);
  });
  return textLines(out);
}

const b = (s: string) => new Roff(`\\fB${escapeRoff(s)}\\fR`);
const i = (s: string) => new Roff(`\\fI${escapeRoff(s)}\\fR`);
/** A place a long word may break (without a hyphen). */
const BREAK = new Roff('\\:');
/** A macro line; arguments quoted, so spaces stay inside one argument. */
const m = (name: string, ...args: string[]) => `.${name}${args.map((a) => ` "${escapeRoff(a).replace(/"/g, '\\(dq')}"`).join('')}`;

/** Preformatted lines, indented: shown as written, nothing filled or joined. */
function verbatim(text: string): string[] {
  const lines = text.replace(/\n+$/, '').split('\n').map((l) => l.replace(/\s+$/, ''));
  return ['.RS 4', '.nf', ...lines.flatMap((l) => textLines(escapeRoff(l))), '.fi', '.RE'];
}

/**
 * A usage line for the synopsis, kept from breaking inside a [bracketed] or <angled> group:
 * "[--since T]" split over two lines would read as two options.
 */
function synopsisLine(usage: string, name: string): string[] {
  const first = usage.split('\n')[0]!.replace(/^Usage:\s*/, '');
  const prefix = `seccomp-gen ${name}`;
  const rest = first.startsWith(prefix) ? first.slice(prefix.length).trim() : first;
  let depth = 0;
  let out = '';
  for (const ch of rest) {
    if (ch === '[' || ch === '<') depth++;
    if (ch === ']' || ch === '>') depth--;
    out += ch === ' ' && depth > 0 ? '\\ ' : escapeRoff(ch);
  }
  return [m('SY', prefix), ...textLines(out), '.YS'];
}

const exitCodeOf = (e: unknown) => describeError('', e).exitCode;

export function renderManPage({ version, date, commands, hookFiles }: ManPageInput): string {
  const sorted = [...commands].sort((x, y) => x.name.localeCompare(y.name));
  const lines: string[] = [
    '.\\" Generated from the commands\' --help texts by src/cli/manpage.ts (npm run build): do not edit.',
    m('TH', 'SECCOMP-GEN', '1', date, `seccomp-gen ${version}`, 'User Commands'),
    // Most of this page is names, paths and options: hyphenated ("sec-comp-gen-prestart.json") or
    // spread out to a justified margin, they read as something else. HY is what the man macros
    // turn hyphenation back on with (after .YS, or at each paragraph in newer groff).
    '.nr HY 0',
    '.nh',
    '.ad l',

    m('SH', 'NAME'),
    ...t`seccomp-gen - seccomp profiles from what a container really does`,

    m('SH', 'SYNOPSIS'),
    m('SY', 'seccomp-gen'),
    ...t`${i('command')} [${i('options')}]`,
    '.YS',
    m('SY', 'seccomp-gen'),
    ...t`${i('command')} ${b('--help')}`,
    '.YS',
    m('SY', 'seccomp-gen'),
    ...t`${b('--help')} | ${b('--version')}`,
    '.YS',
    ...sorted.flatMap((c) => synopsisLine(c.usage, c.name)),
    m('SY', 'podman run'),
    ...t`${b('--annotation')} ${b(`${ANNOTATION}=`)}${BREAK}[${b('if:')}${i('/abs/base.json')}${b(';')}]${BREAK}${b('of:')}${i('/abs/out.json')} ${i('image')} [${i('command')}]`,
    '.YS',

    m('SH', 'DESCRIPTION'),
    ...t`${b('seccomp-gen')} records the system calls a container makes, with an eBPF program that OCI hooks load, and writes a Docker/Podman seccomp profile that allows exactly those.`,
    ...t`Run the container again under that profile and it behaves the same, while everything it never did is refused.`,
    '.PP',
    ...t`Install the hooks once (as root), then use it in two steps: run the container with the annotation ${b(ANNOTATION)} to trace it, and run it again with ${b('--security-opt seccomp=')} and the profile written:`,
    '.PP',
    ...verbatim(`seccomp-gen install
podman run --annotation ${ANNOTATION}=of:/tmp/ls.json IMAGE ls /
podman run --security-opt seccomp=/tmp/ls.json IMAGE ls /`),
    '.PP',
    ...t`The profile is there when ${b('podman run')} returns: podman waits for the poststop hook.`,
    ...t`Besides tracing, the commands below record a command run on the host (${b('record')}), take a running container's profile so far (${b('snapshot')}), and read, compare, combine and convert profiles in the Docker, Podman, OCI and Kubernetes SeccompProfile formats.`,
    ...t`${b('seccomp-gen --help')} lists the commands; ${b('seccomp-gen')} ${i('command')} ${b('--help')} prints what COMMANDS below shows for it.`,

    m('SH', 'THE HOOK'),
    ...t`The prestart hook, which the container waits for, checks the annotation, attaches the shared recorder (loading it on first use) and adds the container to it; tracing goes on with no process left behind.`,
    ...t`The poststop hook takes what was recorded, removes the container from the recorder, detaches it when nothing is traced any more, and writes the profile.`,
    ...t`Both run only for containers with the annotation, whose value is:`,
    m('TP'),
    ...t`${b('of:')}${i('/abs/out.json')}`,
    ...t`Write the profile to ${i('/abs/out.json')} when the container stops.`,
    m('TP'),
    ...t`${b('if:')}${i('/abs/base.json')}${b(';of:')}${i('/abs/out.json')}`,
    ...t`Start from a base profile (the two in either order): it is kept as it is, and the recorded syscalls it does not mention are added.`,
    ...t`A syscall the base names keeps the base's decision: blocked stays blocked.`,
    '.PP',
    ...t`The key ${b(`${ANNOTATION}/`)}${i('name')} says the same for the container whose ${b(K8S_CONTAINER_NAME)} is ${i('name')} only, and wins over the plain key.`,
    ...t`CRI-O copies a pod's annotations to every container of the pod, the infra container included, so a plain key would trace them all into one file.`,
    '.PP',
    ...t`Paths must be absolute: the hooks run on the host, not in the container.`,
    ...t`A malformed annotation, a missing or invalid ${b('if:')} file, or an ${b('of:')} that cannot be written stops the container before it runs, with one line that podman shows in its error.`,
    ...t`A container that never stops never reaches poststop: take its profile with ${b('snapshot')}.`,
    ...t`For containers gone without a poststop (podman killed, a reboot), ${b('gc')} writes their profiles; every prestart does the same for those it finds.`,

    m('SH', 'COMMANDS'),
    ...sorted.flatMap((c) => [m('SS', c.name), ...t`${capitalize(c.summary)}.`, '.PP', ...verbatim(c.usage)]),

    m('SH', 'FILES'),
    m('TP'),
    ...t`${i(`${DEFAULT_HOOKS_DIR}/`)}`,
    ...t`The OCI hook definitions (hooks.d JSON), ${new Roff(hookFiles.map((f) => i(f).text).join(' and '))}, that ${b('install')} writes and ${b('uninstall')} removes: they run the hooks for a container with the annotation.`,
    ...t`Podman and CRI-O read this directory; with ${b('--hooks-dir')} ${i('dir')}, run podman with the same ${b('--hooks-dir')}.`,
    m('TP'),
    ...t`${i(DEFAULT_CONFIG_PATH)}`,
    ...t`Optional settings, a JSON object: ${b('outputDirs')} (${b('of:')} must be under one of these directories), ${b('prestartTimeoutSeconds')} (how long prestart waits for the shared lock), ${b('failOpen')} (run a container untraced when the kernel refuses the recorder, instead of stopping it), ${b('logFile')}, ${b('maxTracedPerUid')} (containers one starter may have traced at once), ${b('maxTraceSeconds')} (a container traced longer is finished and its profile written), ${b('writeTimeoutSeconds')} (longest write of a dead container's profile).`,
    ...t`It must be owned by root and writable by no one else; unknown keys are refused.`,
    ...t`Without ${b('outputDirs')}: a container whose starter is known (audit login uid) has ${b('of:')} written and ${b('if:')} read with that user's own rights; a Kubernetes (CRI-O) container writes only under ${i(`${DEFAULT_KUBERNETES_DIR}/`)}${i('namespace')}; with nobody known, root writes anywhere but the system's own directories (/etc, /usr, /var/lib…). An existing file is replaced only if it is the writer's and empty or a profile.`,
    m('TP'),
    ...t`${i(`${DEFAULT_KUBERNETES_DIR}/`)}`,
    ...t`Kubernetes pods' profiles, one directory per namespace, made by ${b('install')} (0755, root).`,
    m('TP'),
    ...t`${i(DEFAULT_LOG_FILE)}`,
    ...t`The hooks' log: one line per event (traced, written, collected, refused and why).`,
    m('TP'),
    ...t`${i(DEFAULT_RUN_DIR)}`,
    ...t`Tracing state between the two hooks: a record per traced container, and the lock they share; in ${i('unwritten/')}, the recordings whose profile is not written yet or could not be (${b('status')} lists them, ${b('gc')} writes them).`,
    m('TP'),
    ...t`${i(DEFAULT_PIN_DIR)}`,
    ...t`The recorder's program, link and maps, pinned in bpffs while any container is traced (bpffs is mounted if it is not).`,

    m('SH', 'ENVIRONMENT'),
    ...t`The hooks are started by the container runtime, not from your shell: to set these for them, install them with ${b('install --env')}.`,
    m('TP'),
    ...t`${b('SECCOMP_GEN_CONFIG')}`,
    ...t`The configuration file, instead of ${i(DEFAULT_CONFIG_PATH)}.`,
    m('TP'),
    ...t`${b('SECCOMP_GEN_LOG')}`,
    ...t`The log file, over the configuration's ${b('logFile')}.`,
    m('TP'),
    ...t`${b('SECCOMP_GEN_RUN_DIR')}`,
    ...t`The state directory, instead of ${i(DEFAULT_RUN_DIR)}.`,
    m('TP'),
    ...t`${b('SECCOMP_GEN_PIN_DIR')}`,
    ...t`Where the recorder is pinned, instead of ${i(DEFAULT_PIN_DIR)}: a second, separate recorder.`,
    m('TP'),
    ...t`${b('SECCOMP_GEN_DEBUG')}`,
    ...t`When set, libbpf's own messages are printed too.`,

    m('SH', 'EXIT STATUS'),
    m('TP'),
    ...t`${b('0')}`,
    ...t`Success.`,
    m('TP'),
    ...t`${b(String(exitCodeOf(new SeccompGenError('PROFILE', ''))))}`,
    ...t`An error the user can fix, told in one line on standard error; for ${b('validate')}, a file with a problem; for ${b('diff --exit-code')}, profiles that differ.`,
    m('TP'),
    ...t`${b(String(exitCodeOf(new SeccompGenError('USAGE', ''))))}`,
    ...t`A wrong command line, or no command.`,
    m('TP'),
    ...t`${b(String(exitCodeOf(new Error())))}`,
    ...t`An internal error, printed with its stack: please report it.`,
    '.PP',
    ...t`${b('record')} exits with its command's exit status (128 + N when signal N ended it).`,

    m('SH', 'SEE ALSO'),
    ...t`${b('podman-run')}(1), ${b('seccomp')}(2), ${b('oci-hooks')}(5)`,
  ];
  return `${lines.join('\n')}\n`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
