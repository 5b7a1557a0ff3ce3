import { describe, expect, it } from 'vitest';
import { seccompGenErrorOf } from '../helpers.js';
import type { HookCommand } from '../../src/hooks/definitions.js';
import { planTrace } from '../../src/runtime/spec.js';

const ANNOTATION = 'io.containers.trace-syscall';
const HOOKS: Record<'prestart' | 'poststop', HookCommand> = {
  prestart: { path: '/usr/bin/node', args: ['node', '/sg/dist/hook/main.cjs', 'prestart'], timeout: 10, env: ['PATH=/bin'] },
  poststop: { path: '/usr/bin/node', args: ['node', '/sg/dist/hook/main.cjs', 'poststop'], timeout: 10, env: ['PATH=/bin'] },
};
const hooks = () => HOOKS;
const isOurs = (h: unknown) => JSON.stringify(h).includes('/dist/hook/main.cjs');
const plan = (spec: unknown, text = JSON.stringify(spec)) => planTrace('/b/config.json', text, hooks, isOurs);
const parsed = (text: string | undefined) => JSON.parse(text!) as Record<string, unknown> & { process: { env: string[] }; hooks: Record<string, unknown[]>; annotations: Record<string, string> };

/** What Docker 20.10 writes (abridged): compact, no annotations, its own prestart hook, a uint64 rlimit. */
const DOCKER = `{"ociVersion":"1.0.2-dev","process":{"args":["ls","/"],"env":["PATH=/bin","HOSTNAME=c1","SECCOMP_GEN_TRACE=of:/tmp/ls.json"],"rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":18446744073709551615}]},"root":{"path":"/r"},"hooks":{"prestart":[{"path":"/proc/1/exe","args":["libnetwork-setkey","-exec-root=/run/docker","c1","n1"]}]},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":4294967295,"op":"SCMP_CMP_EQ"}]}]}}}`;

describe('planTrace: a container that asks for nothing', () => {
  it('leaves the spec as it is, and never asks for the hooks', () => {
    const never = () => {
      throw new Error('hooks asked for');
    };
    for (const text of ['{"process":{"env":["PATH=/bin","X=io.containers.trace-syscall"]}}', '{}']) {
      expect(planTrace('/b/config.json', text, never, isOurs)).toEqual({ alreadyHooked: false });
    }
    // a key for another container of the pod: declined, saying why (the wrapper logs it)
    const sandbox = '{"annotations":{"io.containers.trace-syscall/web":"of:/x","io.kubernetes.cri.container-type":"sandbox"},"process":{}}';
    expect(planTrace('/b/config.json', sandbox, never, isOurs)).toEqual({ alreadyHooked: false, declined: 'not traced: the trace keys name the containers "web", and this is the pod\'s sandbox (io.kubernetes.cri.container-type)' });
  });
});

describe('planTrace: Docker 20.10–23 (SECCOMP_GEN_TRACE in the environment)', () => {
  const out = plan(undefined, DOCKER);
  it('takes the variable out of process.env and puts the request where the hooks look', () => {
    expect(out.request).toEqual({ value: 'of:/tmp/ls.json', from: 'environment' });
    expect(parsed(out.text).process.env).toEqual(['PATH=/bin', 'HOSTNAME=c1']);
    expect(parsed(out.text).annotations).toEqual({ [ANNOTATION]: 'of:/tmp/ls.json' });
  });
  it("adds seccomp-gen's hooks after the engine's own", () => {
    const h = parsed(out.text).hooks;
    expect(h.prestart).toEqual([{ path: '/proc/1/exe', args: ['libnetwork-setkey', '-exec-root=/run/docker', 'c1', 'n1'] }, HOOKS.prestart]);
    expect(h.poststop).toEqual([HOOKS.poststop]);
  });
  it('keeps every other byte: the uint64 rlimits and the seccomp filter as they were', () => {
    const text = out.text!;
    expect(text).toContain('"rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551615,"soft":18446744073709551615}]');
    expect(text.startsWith('{"ociVersion":"1.0.2-dev","process":{"args":["ls","/"],"env":["PATH=/bin","HOSTNAME=c1"],"rlimits"')).toBe(true);
    expect(text).toContain(DOCKER.slice(DOCKER.indexOf(',"linux":'), -1));
    const { annotations, hooks: h, ...rest } = parsed(text);
    const { hooks: h0, ...rest0 } = JSON.parse(DOCKER) as Record<string, unknown>;
    expect([annotations !== undefined, h !== undefined, h0 !== undefined]).toEqual([true, true, true]);
    expect(rest).toEqual({ ...rest0, process: { ...(rest0.process as object), env: ['PATH=/bin', 'HOSTNAME=c1'] } });
  });
  it('strips the variable even when the hooks are there already (Podman with hooks.d, run through the wrapper)', () => {
    const spec = { annotations: { [ANNOTATION]: 'of:/x' }, process: { env: ['SECCOMP_GEN_TRACE=of:/x'] }, hooks: { prestart: [HOOKS.prestart], poststop: [HOOKS.poststop] } };
    const p = plan(spec);
    expect(p.alreadyHooked).toBe(true);
    expect(parsed(p.text)).toEqual({ ...spec, process: { env: [] } });
  });
});

describe('planTrace: the annotation (Docker ≥ 24, ctr run --annotation, containerd CRI pod_annotations)', () => {
  it('adds the hooks, making hooks and its stages when there are none, and leaves the annotations alone', () => {
    const spec = { annotations: { [ANNOTATION]: 'of:/x.json', other: 'y' }, process: { env: ['A=1'] } };
    const p = plan(spec);
    expect(p.request).toEqual({ value: 'of:/x.json', from: 'annotation' });
    expect(parsed(p.text)).toEqual({ ...spec, hooks: { prestart: [HOOKS.prestart], poststop: [HOOKS.poststop] } });
    const withCreateRuntime = { ...spec, hooks: { createRuntime: [{ path: '/c' }] } };
    expect(parsed(plan(withCreateRuntime).text).hooks).toEqual({ createRuntime: [{ path: '/c' }], prestart: [HOOKS.prestart], poststop: [HOOKS.poststop] });
    expect(parsed(plan({ ...spec, hooks: null }).text).hooks).toEqual({ prestart: [HOOKS.prestart], poststop: [HOOKS.poststop] });
  });
  it("takes a pod container's own key, by containerd's container name", () => {
    const spec = { annotations: { [`${ANNOTATION}/web`]: 'of:/var/lib/seccomp-gen/ns/web.json', 'io.kubernetes.cri.container-name': 'web' } };
    expect(plan(spec).request).toEqual({ value: 'of:/var/lib/seccomp-gen/ns/web.json', from: 'annotation' });
    expect(plan({ annotations: { ...spec.annotations, 'io.kubernetes.cri.container-name': 'db' } }).request).toBeUndefined();
  });
  it('traces nothing twice: a spec with our hooks (Podman, CRI-O: hooks.d) stays as it is', () => {
    const spec = { annotations: { [ANNOTATION]: 'of:/x.json' }, hooks: { prestart: [{ path: '/other' }, HOOKS.prestart], poststop: [HOOKS.poststop] } };
    expect(plan(spec)).toEqual({ request: { value: 'of:/x.json', from: 'annotation' }, alreadyHooked: true });
  });
  it('accepts the same request given both ways', () => {
    expect(plan({ annotations: { [ANNOTATION]: 'of:/x' }, process: { env: ['SECCOMP_GEN_TRACE=of:/x'] } }).request?.from).toBe('annotation');
  });
});

describe('planTrace: bad input, one line each', () => {
  const error = (spec: unknown, text?: string) => seccompGenErrorOf(() => plan(spec, text)).message;
  it('a malformed request, saying where it came from', () => {
    expect(error({ process: { env: ['SECCOMP_GEN_TRACE=of:rel.json'] } })).toBe('SECCOMP_GEN_TRACE (the environment\'s io.containers.trace-syscall): "of:rel.json" is not an absolute path (the hook runs outside the container: write /abs/path)');
    expect(error({ annotations: { [ANNOTATION]: 'if:/a' } })).toMatch(/^annotation io\.containers\.trace-syscall: no "of:" output file/);
    expect(error({ process: { env: ['SECCOMP_GEN_TRACE=of:/a', 'SECCOMP_GEN_TRACE=of:/b'] } })).toMatch(/given 2 times with different values/);
    expect(error({ annotations: { [ANNOTATION]: 'of:/a' }, process: { env: ['SECCOMP_GEN_TRACE=of:/b'] } })).toMatch(/two trace requests/);
  });
  it('a file that is not JSON, or not an OCI config, naming the file', () => {
    expect(error(undefined, '{"process": {"env": [}')).toBe('/b/config.json: not valid JSON (line 1, column 22)');
    expect(error(undefined, '')).toBe('/b/config.json: not valid JSON (empty file)');
    expect(error([])).toBe('/b/config.json: not an OCI runtime config (the top level is not an object)');
    expect(error({ process: { env: 'A=1' } })).toBe('/b/config.json: not an OCI runtime config (process.env is not an array)');
    expect(error({ process: { env: [1] } })).toBe('/b/config.json: not an OCI runtime config (process.env[0] is not a string)');
    expect(error({ annotations: { [ANNOTATION]: 1 } })).toBe('/b/config.json: not an OCI runtime config (annotations.io.containers.trace-syscall is not a string)');
    expect(error(undefined, `{"annotations":{"${ANNOTATION}":"of:/x"},"hooks":{},"hooks":{}}`)).toBe('/b/config.json: not an OCI runtime config (hooks is given 2 times)');
    expect(error({ annotations: { [ANNOTATION]: 'of:/x' }, hooks: { prestart: {} } })).toBe('/b/config.json: not an OCI runtime config (hooks.prestart is not an array)');
  });
});

describe('planTrace: JSON values the runtime reads as absent or as wrong', () => {
  const request = { annotations: { [ANNOTATION]: 'of:/x' } };
  it('null is absent (Go reads it so); true is not an object', () => {
    expect(parsed(plan({ ...request, hooks: { prestart: null } }).text).hooks).toEqual({ prestart: [HOOKS.prestart], poststop: [HOOKS.poststop] });
    expect(() => plan({ ...request, hooks: true })).toThrow(/hooks is not an object/);
    expect(() => plan({ ...request, process: { env: false } })).toThrow(/process\.env is not an array/);
  });
});
