import { describe, expect, it } from 'vitest';
import { ANNOTATION, CRI_CONTAINER_NAME, K8S_CONTAINER_NAME, traceAnnotationOf } from '../../src/oci/annotation.js';

describe('traceAnnotationOf (per-container keys, as CRI-O passes pod annotations)', () => {
  const pod = { [`${ANNOTATION}/web`]: 'of:/var/lib/profiles/web.json', [`${ANNOTATION}/db`]: 'of:/var/lib/profiles/db.json' };

  it('picks the key of this container by its Kubernetes name', () => {
    expect(traceAnnotationOf({ ...pod, [K8S_CONTAINER_NAME]: 'web' })).toBe('of:/var/lib/profiles/web.json');
    expect(traceAnnotationOf({ ...pod, [K8S_CONTAINER_NAME]: 'db' })).toBe('of:/var/lib/profiles/db.json');
  });

  it('leaves untraced a container of the pod with no key of its own (the infra container, POD)', () => {
    expect(traceAnnotationOf({ ...pod, [K8S_CONTAINER_NAME]: 'POD' })).toBeUndefined();
    expect(traceAnnotationOf(pod)).toBeUndefined();
  });

  it('falls back to the plain key, which a per-container key overrides', () => {
    expect(traceAnnotationOf({ [ANNOTATION]: 'of:/a.json' })).toBe('of:/a.json');
    expect(traceAnnotationOf({ [ANNOTATION]: 'of:/a.json', [K8S_CONTAINER_NAME]: 'x' })).toBe('of:/a.json');
    expect(traceAnnotationOf({ [ANNOTATION]: 'of:/a.json', ...pod, [K8S_CONTAINER_NAME]: 'web' })).toBe('of:/var/lib/profiles/web.json');
    expect(traceAnnotationOf(undefined)).toBeUndefined();
  });
});

describe('traceAnnotationOf on containerd (its CRI names the container under its own key)', () => {
  const pod = { [`${ANNOTATION}/web`]: 'of:/var/lib/seccomp-gen/ns/web.json' };
  it('picks the key of this container by its CRI name; the sandbox (no name) takes only the plain key', () => {
    expect(traceAnnotationOf({ ...pod, [CRI_CONTAINER_NAME]: 'web' })).toBe('of:/var/lib/seccomp-gen/ns/web.json');
    expect(traceAnnotationOf({ ...pod, 'io.kubernetes.cri.container-type': 'sandbox' })).toBeUndefined();
  });
  it("takes CRI-O's name first", () => {
    expect(traceAnnotationOf({ ...pod, [K8S_CONTAINER_NAME]: 'POD', [CRI_CONTAINER_NAME]: 'web' })).toBeUndefined();
  });
});
