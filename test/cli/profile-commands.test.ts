import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert } from '../../src/cli/commands/convert.js';
import { diff } from '../../src/cli/commands/diff.js';
import { merge } from '../../src/cli/commands/merge.js';
import { show } from '../../src/cli/commands/show.js';
import { validate } from '../../src/cli/commands/validate.js';
import { fixture } from '../profile/helpers.js';
import { run, useCliHarness } from './harness.js';
import { DOCKER_DEFAULT_PATH } from '../../src/toolkit/docker-default.js';

const io = useCliHarness('sg-cli-');

describe('every profile command', () => {
  it.each([merge, convert, diff, validate, show])('$name has usage text', (c) => {
    expect(c.usage).toMatch(new RegExp(`^Usage: seccomp-gen ${c.name} `));
  });
});

describe('seccomp-gen merge', () => {
  it('writes the union of two recordings to stdout, sorted', async () => {
    expect(await run(merge, fixture('ls.json'), fixture('cat.json'))).toBe(0);
    const p = JSON.parse(io.out);
    expect(p.syscalls[0].names).toContain('sendfile');
    expect(p.syscalls[0].names).toContain('getdents64');
    expect(p.architectures).toEqual(['SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64']);
  });

  it('-o replaces the file atomically; --intersect keeps only what both allow', async () => {
    const o = join(io.dir, 'both.json');
    writeFileSync(o, 'old');
    expect(await run(merge, fixture('ls.json'), fixture('cat.json'), '--intersect', '-o', o)).toBe(0);
    const p = JSON.parse(readFileSync(o, 'utf8'));
    expect(p.syscalls[0].names).not.toContain('sendfile');
    expect(p.syscalls[0].names).toContain('openat');
    expect(readdirSync(io.dir)).toEqual(['both.json']);
  });

  it('differing defaults: an error, and nothing written; --default-action settles it', async () => {
    const o = join(io.dir, 'm.json');
    writeFileSync(o, 'old');
    expect(await run(merge, fixture('ls.json'), DOCKER_DEFAULT_PATH, '-o', o)).toBe(2);
    expect(io.err).toContain('default actions differ');
    expect(readFileSync(o, 'utf8')).toBe('old');
    expect(await run(merge, fixture('ls.json'), DOCKER_DEFAULT_PATH, '--default-action', 'ERRNO(ENOSYS)', '-o', o)).toBe(0);
    expect(JSON.parse(readFileSync(o, 'utf8')).defaultErrnoRet).toBe(38);
  });

  it.each(['not-json.json', 'wrong-shape.json', 'both-arches.json', 'unknown-action.json', 'missing.json'])('bad input %s: one line naming it, exit 1, nothing written', async (bad) => {
    const o = join(io.dir, 'out.json');
    expect(await run(merge, fixture('ls.json'), fixture(bad), '-o', o)).toBe(1);
    expect(io.err.trim().split('\n')).toHaveLength(1);
    expect(io.err).toContain(fixture(bad));
    expect(readdirSync(io.dir)).toEqual([]);
  });
});

describe('seccomp-gen convert', () => {
  it('podman → crd YAML on stdout, with warnings on stderr', async () => {
    expect(await run(convert, fixture('podman-default.json'), '--to', 'crd', '--arch', 'amd64', '--kernel', '6.1')).toBe(0);
    expect(io.out).toMatch(/^apiVersion: security-profiles-operator\.x-k8s\.io\/v1beta1\nkind: SeccompProfile\n/);
    expect(io.err).toContain('no defaultErrnoRet');
  });

  it('crd → docker to a file', async () => {
    const o = join(io.dir, 'p.json');
    expect(await run(convert, fixture('crd.yaml'), '--to', 'docker', '-o', o)).toBe(0);
    expect(JSON.parse(readFileSync(o, 'utf8')).syscalls[1]).toEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('--to is required and checked', async () => {
    expect(await run(convert, fixture('ls.json'))).toBe(2);
    expect(await run(convert, fixture('ls.json'), '--to', 'lxc')).toBe(2);
    expect(io.err).toContain('unknown format "lxc"');
  });
});

describe('seccomp-gen validate', () => {
  it('exit 0 for valid files', async () => {
    expect(await run(validate, DOCKER_DEFAULT_PATH, fixture('podman-default.json'), fixture('crd.yaml'))).toBe(0);
    expect(io.out).toContain('docker-default.json: valid (docker format');
  });

  it('exit 1 with the place and a suggestion', async () => {
    expect(await run(validate, fixture('ls.json'), fixture('typo.json'), fixture('not-json.json'))).toBe(1);
    expect(io.err).toContain(`${fixture('typo.json')}: syscalls[3].names[1]: unknown syscall "opnat" (did you mean "openat"?)`);
    expect(io.err).toContain(`${fixture('not-json.json')}: not valid JSON (line 4, column 36)`);
    expect(io.out).toContain('ls.json: valid');
  });
});

describe('seccomp-gen diff', () => {
  it('text, --json and --exit-code', async () => {
    expect(await run(diff, fixture('ls.json'), fixture('cat.json'))).toBe(0);
    expect(io.out).toContain('+ sendfile');
    io.out = '';
    expect(await run(diff, fixture('ls.json'), fixture('cat.json'), '--json', '--exit-code')).toBe(1);
    expect(JSON.parse(io.out).added.map((c: { name: string }) => c.name)).toEqual(['fadvise64', 'sendfile']);
    expect(await run(diff, fixture('ls.json'), fixture('ls.json'), '--exit-code')).toBe(0);
  });

  it('needs two files', async () => {
    expect(await run(diff, fixture('ls.json'))).toBe(2);
  });
});

describe('seccomp-gen show', () => {
  it("summarizes against Docker's default", async () => {
    expect(await run(show, fixture('podman-default.json'), '--arch', 'amd64')).toBe(0);
    expect(io.out).toMatch(/allows\s+\d+ syscalls/);
    expect(io.out).toMatch(/Docker blocks \d+ of them: .*keyctl/);
    expect(io.out).toMatch(/drops \d+ of the \d+ syscalls Docker allows/);
  });
});

/* The same commands on profiles the hook really produced (test/fixtures/profiles/hook-*.json,
 * written by the poststop hook for busybox `ls /` and for nginx answering curl). */
const LS = fixture('hook-ls.json');
const NGINX = fixture('hook-nginx.json');

type Json = { defaultAction: string; syscalls: { names: string[]; action: string }[] };
const allowed = (p: Json) => new Set(p.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names));
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Json;

describe('profiles the hook produced', () => {
  it('validate against the real libseccomp', async () => {
    expect(await run(validate, LS, NGINX)).toBe(0);
    expect(io.err).toBe('');
  });

  it('merge into a profile that allows what each allows', async () => {
    const o = join(io.dir, 'both.json');
    expect(await run(merge, LS, NGINX, '-o', o)).toBe(0);
    const both = allowed(read(o));
    for (const n of [...allowed(read(LS)), ...allowed(read(NGINX))]) expect(both.has(n)).toBe(true);
    expect(await run(merge, o, o, '-o', join(io.dir, 'again.json'))).toBe(0);
    expect(readFileSync(join(io.dir, 'again.json'), 'utf8')).toBe(readFileSync(o, 'utf8'));
  });

  it('diff: nginx needs the network, ls does not', async () => {
    expect(await run(diff, LS, NGINX, '--exit-code')).toBe(1);
    for (const n of ['socket', 'bind', 'listen']) expect(io.out).toMatch(new RegExp(`\\+ ${n}\\b`));
    io.out = '';
    expect(await run(diff, LS, LS, '--exit-code')).toBe(0);
  });

  it('convert to the CRD and back keeps what is allowed', async () => {
    const crd = join(io.dir, 'ls.crd.yaml');
    const back = join(io.dir, 'ls.back.json');
    expect(await run(convert, LS, '--to', 'crd', '-o', crd)).toBe(0);
    expect(readFileSync(crd, 'utf8')).toMatch(/kind: SeccompProfile/);
    expect(await run(convert, crd, '--to', 'docker', '-o', back)).toBe(0);
    expect(allowed(read(back))).toEqual(allowed(read(LS)));
  });

  it('show counts what they allow against Docker\'s default', async () => {
    expect(await run(show, LS)).toBe(0);
    expect(io.out).toMatch(new RegExp(`allows\\s+${allowed(read(LS)).size} syscalls`));
    expect(io.out).toMatch(/Docker allows all of them/);
  });
});

describe('argument filters through the CLI', () => {
  const docker = DOCKER_DEFAULT_PATH;

  it('convert --to oci and --to crd carry argument conditions', async () => {
    expect(await run(convert, docker, '--to', 'oci')).toBe(0);
    const oci = JSON.parse(io.out);
    const socket = oci.syscalls.filter((r: { names: string[] }) => r.names.includes('socket'));
    expect(socket.map((r: { args: { op: string; value: number }[] }) => r.args[0])).toEqual([
      { index: 0, value: 38, op: 'SCMP_CMP_LT' },
      { index: 0, value: 39, op: 'SCMP_CMP_EQ' },
      { index: 0, value: 40, op: 'SCMP_CMP_GT' },
    ]);
    io.out = '';
    expect(await run(convert, docker, '--to', 'crd', '-o', join(io.dir, 'p.json'))).toBe(0);
    const crd = JSON.parse(readFileSync(join(io.dir, 'p.json'), 'utf8'));
    expect(crd.spec.syscalls.find((r: { names: string[] }) => r.names.includes('clone')).args).toEqual([{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }]);
  });

  it('convert --names-only allows each filtered name outright and keeps conditional errno answers', async () => {
    const p = join(io.dir, 'p.json');
    writeFileSync(p, JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
        { names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
        { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] },
      ],
    }));
    expect(await run(convert, p, '--to', 'docker', '--names-only')).toBe(0);
    expect(JSON.parse(io.out).syscalls).toEqual([
      { names: ['read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['socket'], action: 'SCMP_ACT_ALLOW' },
      { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] },
    ]);
  });

  it('merge --intersect says where overlapping conditions were answered restrictively', async () => {
    const a = join(io.dir, 'a.json');
    const b = join(io.dir, 'b.json');
    writeFileSync(a, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW' }, { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }, { index: 2, value: 9, op: 'SCMP_CMP_EQ' }] }] }));
    writeFileSync(b, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] }] }));
    expect(await run(merge, a, b, '--intersect')).toBe(0);
    expect(io.err).toContain('socket refused where either input refuses part of them');
  });
});
