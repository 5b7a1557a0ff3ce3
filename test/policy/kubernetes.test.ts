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
