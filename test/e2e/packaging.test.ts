/**
 * The npm package as users get it: `npm pack`, installed globally into a scratch prefix. It
 * holds the built CLI, the hook bundle, the BPF object, Docker's default profile and the hook
 * templates, installs hooks that point into itself, names syscalls through libseccomp (koffi
 * without its install script), compares with Docker's default (show), records a command with
 * its own BPF object, has its man page where man finds it, and its wrapper runtime works from
 * npm's bin link.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, allowed, readProfile } from './support.js';

const base = mkdtempSync(join(tmpdir(), 'seccomp-gen-pack-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const sh = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(cmd, args, { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 });

describe('npm pack → npm install -g', () => {
  it('installs a working seccomp-gen', () => {
    expect(sh('npm', ['pack', '--pack-destination', base]).status).toBe(0);
    const [tgz] = readdirSync(base).filter((f) => f.endsWith('.tgz'));
    const files = sh('tar', ['tzf', join(base, tgz!)]).stdout.split('\n');
    for (const f of ['package/dist/cli/main.js', 'package/dist/hook/main.cjs', 'package/dist/man/seccomp-gen.1', 'package/bpf/recorder.x86_64.bpf.o', 'package/bpf/recorder.aarch64.bpf.o', 'package/bpf/arch.h', 'package/data/docker-default.json', 'package/hooks/seccomp-gen-prestart.json', 'package/systemd/seccomp-gen-broker.socket', 'package/systemd/seccomp-gen-broker.service', 'package/examples/ci/record-and-check.sh', 'package/bin/seccomp-gen-runtime', 'package/dist/runtime/main.js', 'package/examples/containerd/config.toml']) {
      expect(files).toContain(f);
    }
    const prefix = join(base, 'prefix');
    expect(sh('npm', ['install', '-g', '--no-audit', '--no-fund', '--prefix', prefix, join(base, tgz!)]).status).toBe(0);
    const bin = join(prefix, 'bin/seccomp-gen');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(sh(bin, ['--version']).stdout).toBe(`${pkg.version}\n`);

    // package.json "man": npm links the page under the prefix, where man looks for a bin/ on PATH.
    const page = join(prefix, 'share/man/man1/seccomp-gen.1');
    expect(readFileSync(page, 'utf8')).toContain(`.TH "SECCOMP\\-GEN" "1" `);
    expect(readFileSync(page, 'utf8')).toContain(`"seccomp\\-gen ${pkg.version}"`);
    if (sh('man', ['--version']).error === undefined) {
      const found = sh('man', ['-w', 'seccomp-gen'], { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, MANPATH: undefined });
      expect(realpathSync(found.stdout.trim())).toBe(realpathSync(page)); // man prints where the link leads
    }

    const hooks = join(base, 'hooks.d');
    expect(sh(bin, ['install', '--hooks-dir', hooks]).status).toBe(0);
    const hook = JSON.parse(readFileSync(join(hooks, 'seccomp-gen-prestart.json'), 'utf8')) as { hook: { args: string[] } };
    expect(hook.hook.args[1]).toBe(join(prefix, 'lib/node_modules/seccomp-gen/dist/hook/main.cjs'));

    expect(sh(bin, ['validate', join(ROOT, 'test/fixtures/profiles/hook-ls.json')]).status).toBe(0); // libseccomp via koffi
    const show = sh(bin, ['show', join(ROOT, 'test/fixtures/profiles/hook-ls.json')]); // reads the packed data/docker-default.json
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/vs Docker's default profile .*\n.*\n\s+drops \d+ of the \d+ syscalls Docker allows/);
    const out = join(base, 'true.json');
    const rec = sh(bin, ['record', '-o', out, '--', 'true'], { SECCOMP_GEN_RUN_DIR: join(base, 'run'), SECCOMP_GEN_PIN_DIR: `/sys/fs/bpf/sg-pack-${process.pid}` });
    expect(rec.stderr).toMatch(/written to/);
    expect(rec.status).toBe(0);
    expect(allowed(readProfile(out)).has('execve')).toBe(true);

    // The wrapper runtime, through npm's bin link: passes a command on to runc, registers itself
    // in a daemon.json by the package's path, and adds hooks that point into the package.
    const wrapper = join(prefix, 'bin/seccomp-gen-runtime');
    expect(sh(wrapper, ['--version']).stdout).toMatch(/^runc version/);
    const daemonJson = join(base, 'daemon.json');
    expect(sh(bin, ['install', '--hooks-dir', hooks, '--docker', '--docker-config', daemonJson]).status).toBe(0);
    expect(JSON.parse(readFileSync(daemonJson, 'utf8'))).toEqual({ runtimes: { 'seccomp-gen': { path: join(prefix, 'lib/node_modules/seccomp-gen/bin/seccomp-gen-runtime') } } });
    const bundle = join(base, 'bundle');
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: { env: ['SECCOMP_GEN_TRACE=of:/tmp/x.json'] } }));
    const created = sh(wrapper, ['--real-runtime=/bin/true', 'create', '--bundle', bundle, 'c1'], { SECCOMP_GEN_LOG: join(base, 'sg.log') });
    expect(created.status, created.stderr).toBe(0);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { hooks: { prestart: { args: string[] }[] } };
    expect(spec.hooks.prestart[0]!.args[1]).toBe(join(prefix, 'lib/node_modules/seccomp-gen/dist/hook/main.cjs'));
  });

  it('every command has complete --help', () => {
    const list = sh('node', [join(ROOT, 'dist/cli/main.js'), '--help']).stdout;
    const names = [...list.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(names).toEqual(expect.arrayContaining(['audit', 'record', 'convert', 'install']));
    for (const n of names) {
      const help = sh('node', [join(ROOT, 'dist/cli/main.js'), n, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: seccomp-gen ${n}\\b`));
    }
  });
});
