import { describe, expect, it } from 'vitest';
import { kubernetesNamespaceOf } from '../../src/policy/kubernetes.js';
import { SeccompGenError } from '../../src/errors.js';

/** What Podman 4.3 puts on a container of a Podman pod (podman pod create / kube play), seen here. */
const PODMAN_POD = {
  'io.container.manager': 'libpod',
  'io.kubernetes.cri-o.ContainerType': 'container',
  'io.kubernetes.cri-o.SandboxID': '00055b2c6d7c3320c092bbef43ceeb194a50b53888f9cdfc54a0782a6479c3de',
  'io.kubernetes.cri-o.Created': '2026-12-02T14:56:03.306217669Z',
  'io.kubernetes.cri-o.TTY': 'false',
};

describe('kubernetesNamespaceOf', () => {
  it('is undefined for podman containers, those of a Podman pod too (Podman puts CRI-O\'s ContainerType and SandboxID on them)', () => {
    expect(kubernetesNamespaceOf(undefined)).toBeUndefined();
    expect(kubernetesNamespaceOf({ 'io.containers.trace-syscall': 'of:/tmp/x' })).toBeUndefined();
    expect(kubernetesNamespaceOf(PODMAN_POD)).toBeUndefined();
  });
  it("is the kubelet's pod namespace on a CRI-O container and on its infra container, over a value the pod wrote in CRI-O's key", () => {
    expect(kubernetesNamespaceOf({ 'io.kubernetes.cri-o.ContainerType': 'container', 'io.container.manager': 'cri-o', 'io.kubernetes.pod.namespace': 'team-a' })).toBe('team-a');
    // the infra container: the pod's annotations come after CRI-O's own there, the kubelet's labels last
    expect(kubernetesNamespaceOf({ 'io.kubernetes.cri-o.ContainerType': 'sandbox', 'io.kubernetes.cri-o.Namespace': 'team-b', 'io.kubernetes.pod.namespace': 'team-a' })).toBe('team-a');
    expect(kubernetesNamespaceOf({ 'io.kubernetes.cri-o.ContainerType': 'sandbox', 'io.kubernetes.cri-o.Namespace': 'kube-system' })).toBe('kube-system');
  });
  it('a pod-style annotation can only switch the rules on, never off', () => {
    expect(kubernetesNamespaceOf({ 'io.kubernetes.pod.namespace': 'x' })).toBe('x');
    expect(kubernetesNamespaceOf({ ...PODMAN_POD, 'io.kubernetes.pod.namespace': 'x' })).toBe('x');
  });
  it('refuses a Kubernetes container without a valid namespace (it must be a safe path component)', () => {
    for (const ns of [undefined, '', '..', 'a/b', 'A', '-a', 'a'.repeat(64)]) {
      const annotations: Record<string, string> = { 'io.container.manager': 'cri-o', ...(ns !== undefined ? { 'io.kubernetes.pod.namespace': ns } : {}) };
      expect(() => kubernetesNamespaceOf(annotations)).toThrow(SeccompGenError);
    }
  });
});

describe('kubernetesNamespaceOf on containerd (CRI, through seccomp-gen-runtime)', () => {
  const cri = { 'io.kubernetes.cri.container-type': 'container', 'io.kubernetes.cri.sandbox-namespace': 'team-b', 'io.kubernetes.cri.container-name': 'web' };
  it("is containerd's sandbox namespace, on containers and sandboxes alike", () => {
    expect(kubernetesNamespaceOf(cri)).toBe('team-b');
    expect(kubernetesNamespaceOf({ ...cri, 'io.kubernetes.cri.container-type': 'sandbox' })).toBe('team-b');
  });
  it("takes CRI-O's keys first: a pod on CRI-O cannot choose a namespace with containerd's", () => {
    expect(kubernetesNamespaceOf({ ...cri, 'io.container.manager': 'cri-o', 'io.kubernetes.pod.namespace': 'team-a' })).toBe('team-a');
  });
  it('refuses a containerd container without a valid namespace', () => {
    expect(() => kubernetesNamespaceOf({ 'io.kubernetes.cri.container-type': 'container' })).toThrow(/io\.kubernetes\.cri\.sandbox-namespace/);
    expect(() => kubernetesNamespaceOf({ ...cri, 'io.kubernetes.cri.sandbox-namespace': '../x' })).toThrow(SeccompGenError);
  });
});
