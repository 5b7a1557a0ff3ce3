/**
 * Whether a container was started by Kubernetes through CRI-O, and in which namespace, from the
 * annotations CRI-O itself puts in the OCI spec (which the hooks see in the state). A pod author
 * chooses the pod's annotations, but cannot remove these or change their values: CRI-O
 * (internal/factory/container SpecAddAnnotations) copies the pod's annotations into the spec
 * FIRST, then sets its own (io.kubernetes.cri-o.ContainerType…), then the kubelet's container
 * labels, which carry io.kubernetes.pod.namespace; later values replace earlier ones. The infra
 * container gets io.kubernetes.cri-o.Namespace instead. So a pod can only claim to be
 * Kubernetes (which makes the rules stricter), never hide that it is, nor choose its namespace.
 */
import { SeccompGenError } from '../errors.js';

/** Set by CRI-O on every container and sandbox it creates. */
export const CRIO_CONTAINER_TYPE = 'io.kubernetes.cri-o.ContainerType';
/** The kubelet's label, set on each container, copied into the spec after the pod's annotations. */
export const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
/** CRI-O's own, on the infra (sandbox) container. */
export const CRIO_NAMESPACE = 'io.kubernetes.cri-o.Namespace';

/** A Kubernetes namespace name: an RFC 1123 label (which also makes it a safe path component). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The pod's namespace when CRI-O started the container; undefined when it did not. */
export function kubernetesNamespaceOf(annotations: Record<string, string> | undefined): string | undefined {
  if (!annotations) return undefined;
  const isKubernetes = [CRIO_CONTAINER_TYPE, POD_NAMESPACE, CRIO_NAMESPACE].some((k) => annotations[k] !== undefined);
  if (!isKubernetes) return undefined;
  const namespace = annotations[POD_NAMESPACE] ?? annotations[CRIO_NAMESPACE];
  if (namespace === undefined || !NAMESPACE.test(namespace)) {
    throw new SeccompGenError('STATE', `a Kubernetes container (annotation ${CRIO_CONTAINER_TYPE}) with no valid namespace in ${POD_NAMESPACE}: cannot tell where its profile may go`);
  }
  return namespace;
}
