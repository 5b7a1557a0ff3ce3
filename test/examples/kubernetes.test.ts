/**
 * examples/kubernetes: the SeccompProfile is what convert --to crd makes of a real hook profile
 * (kept in step), has the shape the Security Profiles Operator takes, and the pods name it and
 * trace the way the hook understands.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ANNOTATION, K8S_CONTAINER_NAME, NO_NAMES, parseTraceAnnotation, traceRequestFor } from '../../src/oci/annotation.js';
import { convertProfile, CRD_API_VERSION } from '../../src/toolkit/convert.js';
import { loadProfile } from '../../src/toolkit/load.js';
import { fixture } from '../profile/helpers.js';
import { dirname } from 'node:path';
import { kubernetesNamespaceOf } from '../../src/policy/kubernetes.js';
import { DEFAULT_KUBERNETES_DIR, outputPolicy, placeRefusal } from '../../src/policy/output-policy.js';

const example = (name: string) => readFileSync(fileURLToPath(new URL(`../../examples/kubernetes/${name}`, import.meta.url)), 'utf8');
const amd64 = { arch: 'amd64', caps: [], kernel: '6.1.0' };

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { defaultAction: string; architectures: string[]; syscalls: { names: string[]; action: string; errnoRet?: string }[]; defaultErrnoRet?: unknown };
}

describe('examples/kubernetes', () => {
  const crd = parseYaml(example('seccompprofile.yaml')) as Crd;

  it('the SeccompProfile is convert --to crd of the hook profile, unchanged', () => {
    const made = convertProfile(loadProfile(fixture('hook-ls.json')).profile, { to: 'crd', target: amd64, name: 'ls' });
    expect(crd).toEqual(parseYaml(made.text));
  });

  it('has the shape the operator takes', () => {
    expect(crd.apiVersion).toBe(CRD_API_VERSION);
    expect(crd.kind).toBe('SeccompProfile');
    expect(crd.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    expect(crd.spec.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(crd.spec.defaultErrnoRet).toBeUndefined(); // not in the CRD's schema
    expect(crd.spec.architectures).toEqual(['SCMP_ARCH_X86_64']);
    const allow = crd.spec.syscalls.find((r) => r.action === 'SCMP_ACT_ALLOW')!;
    expect(allow.names).toEqual(expect.arrayContaining(['execve', 'getdents64', 'write']));
    for (const r of crd.spec.syscalls) if (r.errnoRet !== undefined) expect(typeof r.errnoRet).toBe('string');
  });

  it('the pod runs under it as a Localhost profile where the operator installs it', () => {
    const pod = parseYaml(example('pod.yaml')) as { metadata: { namespace: string }; spec: { containers: { securityContext: { seccompProfile: { type: string; localhostProfile: string } } }[] } };
    expect(pod.spec.containers[0]!.securityContext.seccompProfile).toEqual({
      type: 'Localhost',
      localhostProfile: `operator/${pod.metadata.namespace}/${crd.metadata.name}.json`,
    });
  });

  it('the tracing pod names its container in the key, as CRI-O hands it to the hook', () => {
    const pod = parseYaml(example('pod-trace.yaml')) as { metadata: { namespace: string; annotations: Record<string, string> }; spec: { containers: { name: string }[] } };
    const name = pod.spec.containers[0]!.name;
    expect(Object.keys(pod.metadata.annotations)).toEqual([`${ANNOTATION}/${name}`]);
    const choice = traceRequestFor({ ...pod.metadata.annotations, [K8S_CONTAINER_NAME]: name }, NO_NAMES);
    expect(choice.kind === 'trace' && parseTraceAnnotation(choice.value).output).toMatch(/^\//);
    expect(traceRequestFor({ ...pod.metadata.annotations, [K8S_CONTAINER_NAME]: 'POD' }, NO_NAMES).kind).toBe('declined');
    // podman kube play: no Kubernetes name, the container is <pod>-<name>
    const play = traceRequestFor(pod.metadata.annotations, { name: () => `${(pod.metadata as { name?: string }).name}-${name}`, hostname: () => undefined });
    expect(play).toEqual(choice);
  });

  it("writes where the default policy lets a pod write: its own namespace's directory", () => {
    const pod = parseYaml(example('pod-trace.yaml')) as { metadata: { namespace: string; annotations: Record<string, string> }; spec: { containers: { name: string }[] } };
    const annotations = { ...pod.metadata.annotations, [K8S_CONTAINER_NAME]: pod.spec.containers[0]!.name, 'io.kubernetes.cri-o.ContainerType': 'container', 'io.kubernetes.pod.namespace': pod.metadata.namespace };
    const choice = traceRequestFor(annotations, NO_NAMES);
    const output = parseTraceAnnotation(choice.kind === 'trace' ? choice.value : '').output;
    const policy = outputPolicy({ kubernetesNamespace: kubernetesNamespaceOf(annotations) });
    expect(placeRefusal(policy, output, dirname(output), [DEFAULT_KUBERNETES_DIR])).toBeUndefined();
  });
});
