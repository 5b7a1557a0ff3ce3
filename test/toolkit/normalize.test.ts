import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SeccompGenError } from '../../src/errors.js';
import { loadProfile } from '../../src/toolkit/load.js';
import { normalizeDocument, profileIssues } from '../../src/toolkit/normalize.js';
import { fixture } from '../profile/helpers.js';
import { DOCKER_DEFAULT_PATH } from '../../src/toolkit/docker-default.js';

function profileError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SeccompGenError);
    expect((e as SeccompGenError).code).toBe('PROFILE');
    return (e as SeccompGenError).message;
  }
  throw new Error('no error');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sg-normalize-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('normalize: real-world profiles', () => {
  it("reads Docker's default: archMap and includes/excludes kept, errnos numeric", () => {
    const l = loadProfile(DOCKER_DEFAULT_PATH);
    expect(l.format).toBe('docker');
    expect(l.profile.defaultErrnoRet).toBe(1);
    expect(l.profile.archMap?.[0]).toEqual({ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] });
    expect(l.profile.architectures).toBeUndefined();
    const clone = l.profile.syscalls.find((r) => r.names.includes('clone') && r.excludes);
    expect(clone?.excludes).toEqual({ caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] });
    expect(l.profile.syscalls.find((r) => r.names.includes('clone3') && r.action !== 'SCMP_ACT_ALLOW')).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    expect(l.profile.syscalls).toHaveLength(33);
  });

  it("reads Podman's default: errno names agree with the numbers; empty fields and valueTwo: 0 dropped", () => {
    const l = loadProfile(fixture('podman-default.json'));
    expect(l.format).toBe('podman');
    expect(l.profile.defaultErrnoRet).toBe(38);
    const first = l.profile.syscalls[0]!;
    expect(first).toMatchObject({ action: 'SCMP_ACT_ERRNO', errnoRet: 1 });
    expect(Object.keys(first)).toEqual(['names', 'action', 'errnoRet']);
    const personality = l.profile.syscalls.find((r) => r.names.includes('personality'));
    expect(personality?.args).toEqual([{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }]);
  });

  it('reads an OCI config.json through linux.seccomp', () => {
    const l = loadProfile(fixture('oci-config.json'));
    expect(l.prefix).toBe('linux.seccomp.');
    expect(l.profile.syscalls[0]!.names).toEqual(['read', 'write', 'exit_group']);
    expect(l.profile.defaultErrnoRet).toBe(38);
  });

  it('reads a Security Profiles Operator CRD in YAML, its string errnoRet as a number', () => {
    const l = loadProfile(fixture('crd.yaml'));
    expect(l.format).toBe('crd');
    expect(l.name).toBe('nginx-1.25');
    expect(l.prefix).toBe('spec.');
    expect(l.profile.defaultErrnoRet).toBe(1);
    expect(l.profile.syscalls[1]).toEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('reads a CRD in JSON, and warns that baseProfileName is not followed', () => {
    const l = normalizeDocument({ apiVersion: 'security-profiles-operator.x-k8s.io/v1beta1', kind: 'SeccompProfile', spec: { defaultAction: 'SCMP_ACT_LOG', baseProfileName: 'runc-v1.0.0' } }, 'x.json');
    expect(l.profile).toEqual({ defaultAction: 'SCMP_ACT_LOG', syscalls: [] });
    expect(l.warnings[0]).toContain('baseProfileName "runc-v1.0.0"');
  });

  it('turns moby `name` into names, says the EPERM an ERRNO rule without errnoRet gives', () => {
    const l = normalizeDocument({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ name: 'read', action: 'SCMP_ACT_ERRNO' }, { names: ['a', 'a'], action: 'SCMP_ACT_ALLOW', errnoRet: 5 }] }, 'x');
    expect(l.format).toBe('docker');
    expect(l.profile).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        { names: ['a'], action: 'SCMP_ACT_ALLOW' },
      ],
    });
  });

  it('sorts args (their order means nothing) and drops duplicates', () => {
    const args = [
      { index: 2, value: 9, op: 'SCMP_CMP_EQ' },
      { index: 0, value: 16, op: 'SCMP_CMP_EQ', valueTwo: 0 },
      { index: 2, value: 9, op: 'SCMP_CMP_EQ' },
    ];
    const l = normalizeDocument({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['socket'], action: 'SCMP_ACT_KILL', args }] }, 'x');
    expect(l.profile.syscalls[0]!.args).toEqual([
      { index: 0, value: 16, op: 'SCMP_CMP_EQ' },
      { index: 2, value: 9, op: 'SCMP_CMP_EQ' },
    ]);
  });
});

describe('normalize: bad input, one line naming the file', () => {
  it.each([
    ['not-json.json', /not-json\.json: not valid JSON \(line 4, column 36\)$/],
    ['not-yaml.yaml', /not-yaml\.yaml: not valid YAML \(line \d+, column \d+\)$/],
    ['wrong-shape.json', /wrong-shape\.json: not a seccomp profile: syscalls: .*expected array/],
    ['both-arches.json', /both-arches\.json: not a seccomp profile: architectures: use "architectures" or "archMap", not both$/],
    ['unknown-action.json', /unknown-action\.json: not a seccomp profile: syscalls\[1\]\.action: unknown action "SCMP_ACT_ALOW" \(did you mean "SCMP_ACT_ALLOW"\?\)$/],
    ['oci-no-seccomp.json', /oci-no-seccomp\.json: an OCI config with no linux\.seccomp/],
    ['missing.json', /missing\.json: cannot open \(ENOENT\)$/],
  ])('%s', (name, expected) => {
    const message = profileError(() => loadProfile(fixture(name)));
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
  });

  it('an errno name that is no errno, and a name and number that disagree', () => {
    expect(profileError(() => normalizeDocument({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'EPREM' }, 'p.json'))).toBe('p.json: defaultErrnoRet: unknown errno "EPREM"');
    expect(profileError(() => normalizeDocument({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ERRNO', errno: 'EPERM', errnoRet: 38 }] }, 'p.json'))).toBe(
      'p.json: syscalls[0].errnoRet: errno "EPERM" (1) and errnoRet 38 disagree',
    );
  });

  it('a CRD problem points into spec', () => {
    expect(profileError(() => normalizeDocument({ kind: 'SeccompProfile', spec: { defaultAction: 'allow' } }, 'c.yaml'))).toBe(
      'c.yaml: not a seccomp profile: spec.defaultAction: unknown action "allow" (did you mean "SCMP_ACT_ALLOW"?)',
    );
  });

  it('not an object at all', () => {
    expect(profileError(() => normalizeDocument([1, 2], 'a.json'))).toBe('a.json: not a seccomp profile: expected a JSON object, got an array');
  });

  it('more than one YAML document, and an empty one', () => {
    const two = join(dir, 'two.yaml');
    writeFileSync(two, 'defaultAction: SCMP_ACT_ALLOW\n---\ndefaultAction: SCMP_ACT_LOG\n');
    expect(profileError(() => loadProfile(two))).toBe(`${two}: 2 YAML documents: give one profile per file`);
    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '');
    expect(profileError(() => loadProfile(empty))).toBe(`${empty}: not valid JSON (empty file)`);
  });

  it('profileIssues lists every problem', () => {
    const issues = profileIssues({ defaultAction: 'SCMP_ACT_KILLL', syscalls: [{ names: ['x'], action: 'SCMP_ACT_ALLOW', args: [{ index: 9, value: 0, op: 'SCMP_CMP_EQ' }] }] }, 'p');
    expect(issues).toHaveLength(2);
    expect(issues[0]).toBe('defaultAction: unknown action "SCMP_ACT_KILLL" (did you mean "SCMP_ACT_KILL"?)');
    expect(issues[1]).toMatch(/^syscalls\[0\]\.args\[0\]\.index: /);
  });
});
