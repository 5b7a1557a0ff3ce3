import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseVerdict } from '../../src/toolkit/actions.js';
import { convertProfile, crdName } from '../../src/toolkit/convert.js';
import { diffProfiles, isEmptyDiff, renderDiff } from '../../src/toolkit/diff.js';
import { loadProfile } from '../../src/toolkit/load.js';
import { normalizeDocument } from '../../src/toolkit/normalize.js';
import { resolveForTarget, type Target } from '../../src/toolkit/resolve.js';
import { summarize } from '../../src/toolkit/show.js';
import { closest } from '../../src/toolkit/suggest.js';
import { checkNames, validateFile } from '../../src/toolkit/validate.js';
import { libseccompTable } from '../../src/syscalls/table.js';
import { fakeTable, fixture } from '../profile/helpers.js';
import { DOCKER_DEFAULT_PATH } from '../../src/toolkit/docker-default.js';

const amd64: Target = { arch: 'amd64', caps: ['CAP_CHOWN'], kernel: '6.1.0' };

describe('convert', () => {
  const docker = loadProfile(DOCKER_DEFAULT_PATH).profile;
  const podman = loadProfile(fixture('podman-default.json')).profile;

  it('docker → podman → docker is lossless', () => {
    const asPodman = convertProfile(docker, { to: 'podman', target: amd64 }).text;
    expect(JSON.parse(asPodman).defaultErrno).toBe('EPERM');
    const back = normalizeDocument(JSON.parse(asPodman), 'p').profile;
    expect(back).toEqual(docker);
  });

  it('podman → oci resolves archMap and includes/excludes for the target', () => {
    const { text, warnings } = convertProfile(podman, { to: 'oci', target: amd64 });
    const oci = JSON.parse(text);
    expect(oci.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(text).not.toContain('includes');
    expect(text).not.toContain('"errno"');
    // without CAP_SYS_ADMIN, the rule that blocks its names applies; the one that allows them does not
    const blocked = podman.syscalls.find((r) => r.excludes?.caps?.includes('CAP_SYS_ADMIN'))!.names[0]!;
    const rules = oci.syscalls.filter((r: { names: string[] }) => r.names.includes(blocked));
    expect(rules).toEqual([expect.objectContaining({ action: 'SCMP_ACT_ERRNO', errnoRet: 1 })]);
    expect(warnings.some((w) => /rule\(s\) do not apply/.test(w))).toBe(true);
  });

  it('→ crd: YAML SeccompProfile, string errnoRet, and says what it cannot carry', () => {
    const { text, warnings } = convertProfile(podman, { to: 'crd', target: amd64, name: 'Podman Default.json' });
    const doc = parseYaml(text);
    expect(doc).toMatchObject({ apiVersion: 'security-profiles-operator.x-k8s.io/v1beta1', kind: 'SeccompProfile', metadata: { name: 'podman-default' } });
    expect(doc.spec.defaultErrnoRet).toBeUndefined();
    expect(doc.spec.syscalls[0].errnoRet).toBe('1');
    expect(warnings).toContain('the CRD has no defaultErrnoRet: its default answers EPERM (1), not 38 (ENOSYS)');
    // and it reads back as the resolved profile, apart from that default errno
    const back = normalizeDocument(doc, 'crd').profile;
    expect(back.syscalls).toEqual(resolveForTarget(podman, amd64).profile.syscalls);
  });

  it('→ crd drops an arch the CRD cannot name, with a warning', () => {
    const { text, warnings } = convertProfile(docker, { to: 'crd', target: { ...amd64, arch: 'loong64' }, json: true });
    expect(JSON.parse(text).spec.architectures).toBeUndefined();
    expect(warnings.join('\n')).toContain('SCMP_ARCH_LOONGARCH64: left out');
  });

  it('→ docker says that Docker before 23.0 refuses unnamed syscalls with EPERM', () => {
    const hook = loadProfile(fixture('hook-ls.json')).profile; // defaultErrnoRet 38, errnoRet 1 rules
    expect(convertProfile(hook, { to: 'docker', target: amd64 }).warnings).toEqual([
      'Docker before 23.0 ignores defaultErrnoRet: there a syscall the profile does not name is refused with EPERM (1), not 38 (ENOSYS)',
    ]);
    // EPERM is what old Docker answers anyway; rule errnoRet it honours; log takes no default errno
    expect(convertProfile({ ...hook, defaultErrnoRet: 1 }, { to: 'docker', target: amd64 }).warnings).toEqual([]);
    expect(convertProfile(hook, { to: 'log', target: amd64 }).warnings).toEqual([]);
    expect(convertProfile(hook, { to: 'podman', target: amd64 }).warnings).toEqual([]);
  });

  it('crdName makes a Kubernetes name', () => {
    expect(crdName('/tmp/My_Profile.yaml')).toBe('my-profile');
    expect(crdName('---')).toBe('seccomp-profile');
  });
});

describe('resolve', () => {
  const docker = loadProfile(DOCKER_DEFAULT_PATH).profile;
  const names = (t: Target) => new Set(resolveForTarget(docker, t).profile.syscalls.flatMap((r) => r.names));
  it('follows moby: includes.caps needs every cap, excludes.caps any, arches and minKernel', () => {
    expect(names(amd64).has('mount')).toBe(false);
    expect(names({ ...amd64, caps: ['CAP_SYS_ADMIN'] }).has('mount')).toBe(true);
    expect(names(amd64).has('arch_prctl')).toBe(true);
    expect(names({ ...amd64, arch: 'arm64' }).has('arch_prctl')).toBe(false);
    const old = resolveForTarget(docker, { ...amd64, kernel: '4.4.0' }).profile.syscalls;
    const recent = resolveForTarget(docker, amd64).profile.syscalls;
    expect(recent.length - old.length).toBe(1); // the minKernel 4.8 rule
  });
});

describe('diff', () => {
  const ls = loadProfile(fixture('ls.json')).profile;
  const cat = loadProfile(fixture('cat.json')).profile;
  it('added, removed, changed, arches', () => {
    const d = diffProfiles(ls, cat);
    expect(d.added.map((c) => c.name)).toEqual(['fadvise64', 'sendfile']);
    expect(d.removed.map((c) => c.name)).toContain('getdents64');
    // ls.json answers clone3 ENOSYS, which is what cat.json's default answers: no difference
    expect(d.removed.find((c) => c.name === 'clone3')).toBeUndefined();
    expect(d.architectures).toEqual({ added: [], removed: ['SCMP_ARCH_X32', 'SCMP_ARCH_X86'] });
    expect(d.changed).toEqual([]);
    expect(renderDiff(d, 'ls.json', 'cat.json')).toContain('+ fadvise64');
  });

  it('no diff between a profile and itself in another format or order', () => {
    const podman = loadProfile(fixture('podman-default.json')).profile;
    const shuffled = { ...podman, syscalls: [...podman.syscalls].reverse().map((r) => ({ ...r, names: [...r.names].reverse() })) };
    expect(isEmptyDiff(diffProfiles(podman, shuffled))).toBe(true);
  });

  it('a changed action and default', () => {
    const a = normalizeDocument({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_ALLOW' }] }, 'a').profile;
    const b = normalizeDocument({ defaultAction: 'SCMP_ACT_KILL', syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 16, op: 'SCMP_CMP_EQ' }] }] }, 'b').profile;
    const d = diffProfiles(a, b);
    expect(d.defaultAction).toEqual({ from: 'ERRNO(1)', to: 'KILL' });
    expect(d.changed).toEqual([{ name: 'ptrace', from: 'ALLOW', to: 'KILL (default); ALLOW [arg0 == 16]' }]);
  });
});

describe('show', () => {
  it("a recorded profile against Docker's default", () => {
    const s = summarize(loadProfile(fixture('ls.json')).profile, amd64);
    expect(s.allowed).toHaveLength(35);
    expect(s.other.get('ERRNO(38)')).toEqual(['clone3']);
    expect(s.docker.blocks).toEqual([]);
    expect(s.docker.drops).toBe(s.docker.allowed - 35);
  });

  it("Podman's default: what Docker blocks", () => {
    const s = summarize(loadProfile(fixture('podman-default.json')).profile, { ...amd64, caps: [] });
    expect(s.resolved).toBe(true);
    expect(s.docker.blocks).toContain('keyctl');
  });
});

describe('validate', () => {
  const table = fakeTable({ SCMP_ARCH_X86_64: ['read', 'write', 'close', 'exit_group', 'openat'], SCMP_ARCH_X86: ['read', 'chown32'] });

  it('an unknown name, with the place and a suggestion', () => {
    const v = validateFile(fixture('typo.json'), table);
    expect(v.valid).toBe(false);
    expect(v.errors).toEqual([`${fixture('typo.json')}: syscalls[3].names[1]: unknown syscall "opnat" (did you mean "openat"?)`]);
  });

  it('names only on arches the profile lacks, and newer syscalls, are warnings', () => {
    const loaded = normalizeDocument({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_PPC'], syscalls: [{ names: ['chown32', 'mseal', 'read'], action: 'SCMP_ACT_ALLOW' }] }, 'p');
    const { errors, warnings } = checkNames(loaded, table, 'p');
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      'p: architectures[1]: fake libseccomp does not know SCMP_ARCH_PPC: names are not checked for it',
      'p: syscalls[0].names[0]: "chown32" is a syscall only on SCMP_ARCH_X86, which the profile does not list: it has no effect',
      'p: syscalls[0].names[1]: "mseal" is newer than fake libseccomp: runtimes using it skip the name',
    ]);
  });

  it('every schema problem is listed', () => {
    const v = validateFile(fixture('unknown-action.json'), table);
    expect(v.errors).toEqual([`${fixture('unknown-action.json')}: syscalls[1].action: unknown action "SCMP_ACT_ALOW" (did you mean "SCMP_ACT_ALLOW"?)`]);
  });

  it("Docker's and Podman's defaults are valid for the real libseccomp", () => {
    const real = libseccompTable();
    for (const f of [DOCKER_DEFAULT_PATH, ...['podman-default.json', 'ls.json', 'crd.yaml', 'oci-config.json'].map(fixture)]) {
      const v = validateFile(f, real);
      expect(v.errors, f).toEqual([]);
    }
    expect(validateFile(fixture('typo.json'), real).errors[0]).toContain('unknown syscall "opnat" (did you mean "openat"?)');
  });
});

describe('small parts', () => {
  it('parseVerdict', () => {
    expect(parseVerdict('errno')).toEqual({ action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
    expect(parseVerdict('SCMP_ACT_ERRNO(ENOSYS)')).toEqual({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    expect(parseVerdict('kill_process')).toEqual({ action: 'SCMP_ACT_KILL_PROCESS' });
    expect(() => parseVerdict('ALLOW(3)')).toThrow(/takes no number/);
    expect(() => parseVerdict('deny')).toThrow(/unknown action "deny"/);
  });

  it('closest', () => {
    expect(closest('opnat', ['openat', 'open', 'read'])).toBe('openat');
    expect(closest('xyzzy', ['openat', 'read'])).toBeUndefined();
    expect(closest('ab', ['io'])).toBeUndefined();
  });
});
