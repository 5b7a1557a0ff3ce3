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

/**
 * containerd's CRI (Kubernetes on containerd, through seccomp-gen-runtime) sets its own keys on
 * every container and sandbox AFTER the pod annotations its runtime handler lets through
 * (pkg/cri/server/container_create_linux.go, sandbox_run_linux.go in containerd 1.6), so a pod
 * cannot change them either. CRI-O's keys are looked at first: a pod on CRI-O may carry these.
 */
export const CRI_CONTAINER_TYPE = 'io.kubernetes.cri.container-type';
export const CRI_SANDBOX_NAMESPACE = 'io.kubernetes.cri.sandbox-namespace';

/** A Kubernetes namespace name: an RFC 1123 label (which also makes it a safe path component). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The pod's namespace when CRI-O or containerd's CRI started the container; undefined when neither did. */
export function kubernetesNamespaceOf(annotations: Record<string, string> | undefined): string | undefined {
  if (!annotations) return undefined;
  const isCrio = [CRIO_CONTAINER_TYPE, POD_NAMESPACE, CRIO_NAMESPACE].some((k) => annotations[k] !== undefined);
  if (!isCrio && annotations[CRI_CONTAINER_TYPE] === undefined) return undefined;
  const namespace = isCrio ? (annotations[POD_NAMESPACE] ?? annotations[CRIO_NAMESPACE]) : annotations[CRI_SANDBOX_NAMESPACE];
  if (namespace === undefined || !NAMESPACE.test(namespace)) {
    const [type, key] = isCrio ? [CRIO_CONTAINER_TYPE, POD_NAMESPACE] : [CRI_CONTAINER_TYPE, CRI_SANDBOX_NAMESPACE];
    throw new SeccompGenError('STATE', `a Kubernetes container (annotation ${type}) with no valid namespace in ${key}: cannot tell where its profile may go`);
  }
  return namespace;
}
