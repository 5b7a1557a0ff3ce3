/**
 * Whether a container was started by Kubernetes through CRI-O, and in which namespace, decided
 * only from what CRI-O and the kubelet put in the OCI spec and a pod's author cannot remove or
 * change. Read in CRI-O's source (internal/factory/container/container.go SpecAddAnnotations,
 * server/sandbox_run_linux.go): a container's spec gets the pod's annotations FIRST, then CRI-O's
 * own (io.kubernetes.cri-o.*, io.container.manager=cri-o), then the kubelet's labels; the infra
 * (sandbox) container gets CRI-O's own first, then the pod's annotations (which may replace
 * them), then the labels. Later values replace earlier ones. The kubelet's labels carry
 * io.kubernetes.pod.namespace, the pod's real namespace, on both (CRI-O adds it to a sandbox that
 * lacks it): that label is the mark that holds. A pod can only claim to be Kubernetes (which
 * makes the rules stricter), never hide that it is, nor choose its namespace.
 *
 * Not a mark: io.kubernetes.cri-o.ContainerType and …SandboxID. Podman puts them on every
 * container of a Podman pod (`podman pod create`, `podman kube play`), and …Created and …TTY on
 * every container it runs: those are Podman containers, whose starter's login uid decides as for
 * `podman run` (policy/output-policy.ts).
 */
import { SeccompGenError } from '../errors.js';

/** The kubelet's label, on every container and sandbox, copied into the spec after the pod's annotations. */
const POD_NAMESPACE = 'io.kubernetes.pod.namespace';
/** CRI-O's own, on the infra (sandbox) container. */
const CRIO_NAMESPACE = 'io.kubernetes.cri-o.Namespace';
/** Set to "cri-o" by CRI-O (1.24 on) on every container it creates, after the pod's annotations. */
const CONTAINER_MANAGER = 'io.container.manager';

/**
 * containerd's CRI (Kubernetes on containerd, through seccomp-gen-runtime) sets its own keys on
 * every container and sandbox AFTER the pod annotations its runtime handler lets through
 * (pkg/cri/server/container_create_linux.go, sandbox_run_linux.go in containerd 1.6), so a pod
 * cannot change them either. CRI-O's marks are looked at first: a pod on CRI-O may carry these.
 */
export const CRI_CONTAINER_TYPE = 'io.kubernetes.cri.container-type';
export const CRI_SANDBOX_NAMESPACE = 'io.kubernetes.cri.sandbox-namespace';

/** A Kubernetes namespace name: an RFC 1123 label (which also makes it a safe path component). */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The pod's namespace when CRI-O or containerd's CRI started the container; undefined when neither did. */
export function kubernetesNamespaceOf(annotations: Record<string, string> | undefined): string | undefined {
  if (!annotations) return undefined;
  const isCrio = annotations[CONTAINER_MANAGER] === 'cri-o' || annotations[POD_NAMESPACE] !== undefined || annotations[CRIO_NAMESPACE] !== undefined;
  if (!isCrio && annotations[CRI_CONTAINER_TYPE] === undefined) return undefined;
  const namespace = isCrio ? (annotations[POD_NAMESPACE] ?? annotations[CRIO_NAMESPACE]) : annotations[CRI_SANDBOX_NAMESPACE];
  if (namespace === undefined || !NAMESPACE.test(namespace)) {
    const [whose, key] = isCrio ? ["CRI-O's annotations are on it", POD_NAMESPACE] : [`containerd's ${CRI_CONTAINER_TYPE}`, CRI_SANDBOX_NAMESPACE];
    throw new SeccompGenError('STATE', `a Kubernetes container (${whose}) with no valid namespace in ${key}: cannot tell where its profile may go`);
  }
  return namespace;
}
