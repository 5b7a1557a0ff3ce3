import { describe, expect, it } from 'vitest';
import { kubernetesNamespaceOf } from '../../src/policy/kubernetes.js';
import { SeccompGenError } from '../../src/errors.js';

describe('kubernetesNamespaceOf', () => {
  it('is undefined for podman containers', () => {
    expect(kubernetesNamespaceOf(undefined)).toBeUndefined();
    expect(kubernetesNamespaceOf({ 'io.containers.trace-syscall': 'of:/tmp/x' })).toBeUndefined();
  });
  it("is the kubelet's pod namespace on a CRI-O container, CRI-O's own on the infra container", () => {
    expect(kubernetesNamespaceOf({ 'io.kubernetes.cri-o.ContainerType': 'container', 'io.kubernetes.pod.namespace': 'team-a' })).toBe('team-a');
    expect(kubernetesNamespaceOf({ 'io.kubernetes.cri-o.ContainerType': 'sandbox', 'io.kubernetes.cri-o.Namespace': 'kube-system' })).toBe('kube-system');
  });
  it('a pod-style annotation can only switch the rules on, never off', () => {
    expect(kubernetesNamespaceOf({ 'io.kubernetes.pod.namespace': 'x' })).toBe('x');
  });
  it('refuses a Kubernetes container without a valid namespace (it must be a safe path component)', () => {
    for (const ns of [undefined, '', '..', 'a/b', 'A', '-a', 'a'.repeat(64)]) {
      const annotations: Record<string, string> = { 'io.kubernetes.cri-o.ContainerType': 'container', ...(ns !== undefined ? { 'io.kubernetes.pod.namespace': ns } : {}) };
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
    expect(kubernetesNamespaceOf({ ...cri, 'io.kubernetes.cri-o.ContainerType': 'container', 'io.kubernetes.pod.namespace': 'team-a' })).toBe('team-a');
  });
  it('refuses a containerd container without a valid namespace', () => {
    expect(() => kubernetesNamespaceOf({ 'io.kubernetes.cri.container-type': 'container' })).toThrow(/io\.kubernetes\.cri\.sandbox-namespace/);
    expect(() => kubernetesNamespaceOf({ ...cri, 'io.kubernetes.cri.sandbox-namespace': '../x' })).toThrow(SeccompGenError);
  });
});
