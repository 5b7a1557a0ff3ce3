import { describe, expect, it } from 'vitest';
import { ANNOTATION, CRI_CONTAINER_NAME, K8S_CONTAINER_NAME, NO_NAMES, traceRequestFor, type NameSource } from '../../src/oci/annotation.js';

const value = (v: string) => ({ kind: 'trace', value: v });
const named = (name: string | undefined, hostname?: string): NameSource => ({ name: () => name, hostname: () => hostname });

describe('traceRequestFor (per-container keys: CRI-O pods, podman kube play, podman run --name)', () => {
  const pod = { [`${ANNOTATION}/web`]: 'of:/var/lib/profiles/web.json', [`${ANNOTATION}/db`]: 'of:/var/lib/profiles/db.json' };

  it('picks the key of this container by its Kubernetes name (CRI-O), without asking for another name', () => {
    const never: NameSource = { name: () => { throw new Error('asked'); }, hostname: () => { throw new Error('asked'); } };
    expect(traceRequestFor({ ...pod, [K8S_CONTAINER_NAME]: 'web' }, never)).toEqual(value('of:/var/lib/profiles/web.json'));
    expect(traceRequestFor({ ...pod, [K8S_CONTAINER_NAME]: 'db' }, never)).toEqual(value('of:/var/lib/profiles/db.json'));
  });

  it('declines a container of the pod with no key of its own (the infra container, POD), saying why', () => {
    expect(traceRequestFor({ ...pod, [K8S_CONTAINER_NAME]: 'POD' }, NO_NAMES)).toEqual({
      kind: 'declined',
      why: 'not traced: the trace keys name the containers "web", "db", and this container is "POD" (io.kubernetes.container.name)',
    });
    expect(traceRequestFor(pod, NO_NAMES)).toEqual({
      kind: 'declined',
      why: 'not traced: the trace keys name the containers "web", "db", and this container\'s name could not be found (no conmon process of it above the hook)',
    });
  });

  it('under podman kube play, picks the key by the container\'s name <pod>-<name>, and says why for the others', () => {
    expect(traceRequestFor(pod, named('shop-web'))).toEqual(value('of:/var/lib/profiles/web.json'));
    expect(traceRequestFor(pod, named('web'))).toEqual(value('of:/var/lib/profiles/web.json')); // podman run --name web
    expect(traceRequestFor(pod, named('shop-cache'))).toEqual({
      kind: 'declined',
      why: 'not traced: the trace keys name the containers "web", "db", and this container is "shop-cache" (podman kube play names a pod\'s container <pod>-<name>)',
    });
    expect(traceRequestFor(pod, named('shopweb'))).toMatchObject({ kind: 'declined' });
  });

  it('where several keys end the name, the one after the pod\'s hostname, else the longest', () => {
    const keys = { [`${ANNOTATION}/db`]: 'of:/db.json', [`${ANNOTATION}/app-db`]: 'of:/app-db.json' };
    expect(traceRequestFor(keys, named('shop-app-db', 'shop'))).toEqual(value('of:/app-db.json'));
    expect(traceRequestFor(keys, named('shop-db', 'shop'))).toEqual(value('of:/db.json'));
    // pod "x-app": its container db is x-app-db, which app-db also ends
    expect(traceRequestFor(keys, named('x-app-db', 'x-app'))).toEqual(value('of:/db.json'));
    expect(traceRequestFor(keys, named('x-app-db', 'own-hostname'))).toEqual(value('of:/app-db.json'));
  });

  it('falls back to the plain key, which a per-container key overrides', () => {
    expect(traceRequestFor({ [ANNOTATION]: 'of:/a.json' }, NO_NAMES)).toEqual(value('of:/a.json'));
    expect(traceRequestFor({ [ANNOTATION]: 'of:/a.json', [K8S_CONTAINER_NAME]: 'x' }, NO_NAMES)).toEqual(value('of:/a.json'));
    expect(traceRequestFor({ [ANNOTATION]: 'of:/a.json', ...pod, [K8S_CONTAINER_NAME]: 'web' }, NO_NAMES)).toEqual(value('of:/var/lib/profiles/web.json'));
    expect(traceRequestFor({ [ANNOTATION]: 'of:/a.json', ...pod }, named('shop-db'))).toEqual(value('of:/var/lib/profiles/db.json'));
    expect(traceRequestFor({ [ANNOTATION]: 'of:/a.json', ...pod }, NO_NAMES)).toEqual(value('of:/a.json'));
  });

  it('is none without any trace key', () => {
    expect(traceRequestFor(undefined, NO_NAMES)).toEqual({ kind: 'none' });
    expect(traceRequestFor({ 'io.containers.trace-syscallx': 'of:/a.json', [K8S_CONTAINER_NAME]: 'web' }, NO_NAMES)).toEqual({ kind: 'none' });
  });
});

describe('traceRequestFor on containerd (its CRI names the container under its own key)', () => {
  const pod = { [`${ANNOTATION}/web`]: 'of:/var/lib/seccomp-gen/ns/web.json' };
  it('picks the key of this container by its CRI name, without asking for another name', () => {
    const never: NameSource = { name: () => { throw new Error('asked'); }, hostname: () => { throw new Error('asked'); } };
    expect(traceRequestFor({ ...pod, [CRI_CONTAINER_NAME]: 'web' }, never)).toEqual(value('of:/var/lib/seccomp-gen/ns/web.json'));
  });
  it('declines the pod\'s sandbox (it has no name), saying so', () => {
    expect(traceRequestFor({ ...pod, 'io.kubernetes.cri.container-type': 'sandbox' }, NO_NAMES)).toEqual({
      kind: 'declined',
      why: 'not traced: the trace keys name the containers "web", and this is the pod\'s sandbox (io.kubernetes.cri.container-type)',
    });
  });
  it("takes CRI-O's name first", () => {
    expect(traceRequestFor({ ...pod, [K8S_CONTAINER_NAME]: 'POD', [CRI_CONTAINER_NAME]: 'web' }, NO_NAMES).kind).toBe('declined');
  });
});
