/**
 * examples/containerd and the containerd pod of examples/kubernetes agree with each other and
 * with what seccomp-gen reads: the pod's runtime class names the handler config.toml defines,
 * the handler hands the runtime the pod's keys (containerd matches them with Go's path.Match), the
 * key names the container as containerd's CRI names it, and the of: path is where a pod of that
 * namespace may write. test/e2e/containerd-runtime.test.ts runs containerd with this handler.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ANNOTATION, CRI_CONTAINER_NAME, NO_NAMES, parseTraceAnnotation, traceRequestFor } from '../../src/oci/annotation.js';
import { CRI_CONTAINER_TYPE, CRI_SANDBOX_NAMESPACE, kubernetesNamespaceOf } from '../../src/policy/kubernetes.js';
import { outputPolicy, placeRefusal } from '../../src/policy/output-policy.js';
import { dirname } from 'node:path';
import { exampleHandler } from '../e2e/containerd-daemon.js';

const example = (path: string) => readFileSync(fileURLToPath(new URL(`../../examples/${path}`, import.meta.url)), 'utf8');

/** Go's path.Match for the patterns used here: "*" is any run of characters but "/". */
const pathMatch = (pattern: string, key: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`).test(key);

describe('examples/containerd and examples/kubernetes (containerd)', () => {
  const handler = exampleHandler();
  const runtimeClass = parseYaml(example('kubernetes/runtimeclass.yaml')) as { kind: string; metadata: { name: string }; handler: string };
  const pod = parseYaml(example('kubernetes/pod-trace-containerd.yaml')) as {
    metadata: { namespace: string; annotations: Record<string, string> };
    spec: { runtimeClassName: string; containers: { name: string; securityContext: { seccompProfile: { type: string } } }[] };
  };

  it('the pod runs on the runtime class of the handler that runs the wrapper', () => {
    expect(runtimeClass.kind).toBe('RuntimeClass');
    expect(runtimeClass.handler).toBe(handler.name);
    expect(pod.spec.runtimeClassName).toBe(runtimeClass.metadata.name);
    expect(handler.binary).toMatch(/\/seccomp-gen\/bin\/seccomp-gen-runtime$/);
  });

  it('containerd hands the runtime the pod\'s keys, and no other', () => {
    for (const key of Object.keys(pod.metadata.annotations)) expect([key, handler.podAnnotations.some((p) => pathMatch(p, key))]).toEqual([key, true]);
    expect(pathMatch(`${ANNOTATION}*`, `${ANNOTATION}/ls`)).toBe(false); // why config.toml lists both
    for (const other of [CRI_SANDBOX_NAMESPACE, 'io.kubernetes.cri-o.ContainerType', 'io.kubernetes.pod.namespace']) expect(handler.podAnnotations.some((p) => pathMatch(p, other))).toBe(false);
  });

  it('traces the container its key names, where a pod of its namespace may write, under a filter', () => {
    const container = pod.spec.containers[0]!;
    const spec = { ...pod.metadata.annotations, [CRI_CONTAINER_TYPE]: 'container', [CRI_SANDBOX_NAMESPACE]: pod.metadata.namespace, [CRI_CONTAINER_NAME]: container.name };
    const choice = traceRequestFor(spec, NO_NAMES);
    expect(traceRequestFor({ ...pod.metadata.annotations, [CRI_CONTAINER_TYPE]: 'sandbox', [CRI_SANDBOX_NAMESPACE]: pod.metadata.namespace }, NO_NAMES).kind).toBe('declined');
    if (choice.kind !== 'trace') throw new Error(`not traced: ${JSON.stringify(choice)}`);
    const { output } = parseTraceAnnotation(choice.value);
    const policy = outputPolicy({ kubernetesNamespace: kubernetesNamespaceOf(spec) });
    expect(placeRefusal(policy, output, dirname(output), ['/var/lib/seccomp-gen'])).toBeUndefined();
    expect(container.securityContext.seccompProfile.type).toBe('RuntimeDefault');
  });
});
