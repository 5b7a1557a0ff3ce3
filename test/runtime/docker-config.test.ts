import { describe, expect, it } from 'vitest';
import { seccompGenErrorOf } from '../helpers.js';
import { addDockerRuntime, removeDockerRuntime } from '../../src/runtime/docker-config.js';

const SRC = '/etc/docker/daemon.json';
const WRAPPER = '/usr/local/lib/node_modules/seccomp-gen/bin/seccomp-gen-runtime';
const ours = { name: 'seccomp-gen', path: WRAPPER };
const add = (text: string | undefined, extra: Partial<typeof ours> & { realRuntime?: string; makeDefault?: boolean } = {}) => addDockerRuntime(SRC, text, { ...ours, ...extra });
const remove = (text: string | undefined, name = 'seccomp-gen') => removeDockerRuntime(SRC, text, name);

/** An administrator's file: their layout, a runtime of theirs, a number JSON.parse would round. */
const ADMIN = `{
    "log-driver": "journald",
    "default-ulimits": { "nofile": { "Name": "nofile", "Hard": 18446744073709551615, "Soft": 65536 } },
    "runtimes": {
        "nvidia": { "path": "/usr/bin/nvidia-container-runtime" }
    }
}
`;

describe('install --docker: daemon.json merged, never clobbered', () => {
  it('makes the file when there is none', () => {
    const r = add(undefined, { realRuntime: 'crun', makeDefault: true });
    expect(JSON.parse(r.text!)).toEqual({ runtimes: { 'seccomp-gen': { path: WRAPPER, runtimeArgs: ['--real-runtime=crun'] } }, 'default-runtime': 'seccomp-gen' });
    expect(r.notes).toEqual([`added runtime seccomp-gen (${WRAPPER})`, 'set default-runtime to seccomp-gen']);
  });

  it("adds beside the administrator's runtimes, in their layout, every other byte kept", () => {
    const r = add(ADMIN);
    expect(r.text).toBe(ADMIN.replace('"path": "/usr/bin/nvidia-container-runtime" }\n', `"path": "/usr/bin/nvidia-container-runtime" },\n        "seccomp-gen": {\n            "path": "${WRAPPER}"\n        }\n`));
    expect(add(r.text!)).toMatchObject({ changed: false, notes: [`runtime seccomp-gen is already there (${WRAPPER})`] });
  });

  it('adds "runtimes" when the file has none', () => {
    const r = add('{"debug": true}');
    expect(r.text).toBe(`{"debug": true,"runtimes": {"seccomp-gen":{"path":"${WRAPPER}"}}}`);
  });

  it('updates its own entry (moved, or another real runtime), refuses to replace someone else\'s', () => {
    const moved = add(add(ADMIN).text!, { path: '/opt/sg/bin/seccomp-gen-runtime', realRuntime: 'crun' });
    expect(JSON.parse(moved.text!).runtimes['seccomp-gen']).toEqual({ path: '/opt/sg/bin/seccomp-gen-runtime', runtimeArgs: ['--real-runtime=crun'] });
    expect(moved.notes).toEqual(['updated runtime seccomp-gen (/opt/sg/bin/seccomp-gen-runtime)']);
    expect(() => add(ADMIN, { name: 'nvidia' })).toThrow(/runtimes\.nvidia is another runtime, not seccomp-gen's: left as it is; choose another --runtime-name/);
  });

  it('sets default-runtime only over none or runc', () => {
    expect(JSON.parse(add('{"default-runtime": "runc"}', { makeDefault: true }).text!)['default-runtime']).toBe('seccomp-gen');
    expect(() => add('{"default-runtime": "nvidia"}', { makeDefault: true })).toThrow(/default-runtime is "nvidia" already: left as it is/);
  });

  it('refuses a file it cannot read as dockerd would, and names it dockerd keeps', () => {
    const error = (f: () => unknown) => seccompGenErrorOf(f).message;
    expect(error(() => add('{"debug": tru}'))).toBe(`${SRC}: not valid JSON (line 1, column 14)`);
    expect(error(() => add('[]'))).toMatch(/not a dockerd configuration/);
    expect(error(() => add('{"runtimes": []}'))).toMatch(/"runtimes" is not an object/);
    expect(error(() => add('{"runtimes": {}, "runtimes": {}}'))).toMatch(/runtimes is given 2 times/);
    expect(error(() => add(undefined, { name: 'runc' }))).toMatch(/--runtime-name runc: expected a name/);
    expect(error(() => add(undefined, { name: 'a b' }))).toMatch(/--runtime-name a b/);
  });
});

describe('uninstall --docker: exactly what install added goes', () => {
  it('gives back the file as it was', () => {
    expect(remove(add(ADMIN).text!)).toMatchObject({ text: ADMIN, changed: true, notes: ['removed runtime seccomp-gen'] });
    const noRuntimes = '{\n  "debug": true\n}\n';
    expect(remove(add(noRuntimes).text!).text).toBe(noRuntimes);
    expect(remove(add('{"default-runtime": "runc"}', { makeDefault: true }).text!).text).toBe(undefined); // nothing of the admin's left: the file goes
  });

  it('removes the file install made, and leaves alone what is not ours', () => {
    expect(remove(add(undefined, { makeDefault: true }).text!)).toMatchObject({ text: undefined, changed: true, notes: ['removed runtime seccomp-gen', 'removed default-runtime seccomp-gen'] });
    expect(remove(ADMIN, 'nvidia')).toMatchObject({ text: ADMIN, changed: false, notes: ["runtimes.nvidia is another runtime, not seccomp-gen's: left as it is"] });
    expect(remove(ADMIN)).toMatchObject({ text: ADMIN, changed: false });
    expect(remove(undefined)).toMatchObject({ text: undefined, changed: false });
  });
});
