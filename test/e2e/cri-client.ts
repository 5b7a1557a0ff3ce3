/**
 * A small client of the Kubernetes CRI (runtime.v1.RuntimeService) over a containerd socket,
 * doing what the kubelet does for one pod: RunPodSandbox with the pod's annotations and a runtime
 * handler, CreateContainer, StartContainer, ContainerStatus, then stop and remove. No kubelet,
 * crictl or gRPC package here (Debian 12 has none): gRPC is HTTP/2 (node:http2) with 5-byte
 * framed protobuf messages, written by hand for the few fields used (field numbers from
 * k8s.io/cri-api's api.proto, as vendored by containerd 1.6). For the tests only.
 */
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect } from 'node:net';

// --- protobuf, the few wire types used -------------------------------------------------------

function varint(v: number | bigint): Buffer {
  let n = BigInt(v);
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

const tag = (field: number, wire: number) => varint((field << 3) | wire);
/** A length-delimited field: a string or an embedded message. */
const bytes = (field: number, b: Buffer) => Buffer.concat([tag(field, 2), varint(b.length), b]);
const str = (field: number, s: string) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field: number, ...parts: Buffer[]) => bytes(field, Buffer.concat(parts));
const num = (field: number, v: number) => Buffer.concat([tag(field, 0), varint(v)]);
/** A map<string,string> field: one entry message {1: key, 2: value} per pair. */
const map = (field: number, m: Record<string, string>) => Buffer.concat(Object.entries(m).map(([k, v]) => msg(field, str(1, k), str(2, v))));

/** The fields of a message: number → values (varints as bigint, the rest as bytes). */
function decode(b: Buffer): Map<number, (bigint | Buffer)[]> {
  const out = new Map<number, (bigint | Buffer)[]>();
  let i = 0;
  const readVarint = (): bigint => {
    let n = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[i++]!;
      n |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return n;
      shift += 7n;
    }
  };
  while (i < b.length) {
    const key = Number(readVarint());
    const [field, wire] = [key >> 3, key & 7];
    let value: bigint | Buffer;
    if (wire === 0) value = readVarint();
    else if (wire === 2) {
      const len = Number(readVarint());
      value = b.subarray(i, i + len);
      i += len;
    } else if (wire === 1) {
      value = b.subarray(i, i + 8);
      i += 8;
    } else if (wire === 5) {
      value = b.subarray(i, i + 4);
      i += 4;
    } else throw new Error(`protobuf wire type ${wire} not handled`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const first = (m: Map<number, (bigint | Buffer)[]>, field: number) => m.get(field)?.[0];
const firstString = (m: Map<number, (bigint | Buffer)[]>, field: number) => (first(m, field) as Buffer | undefined)?.toString('utf8') ?? '';
const firstNumber = (m: Map<number, (bigint | Buffer)[]>, field: number) => Number((first(m, field) as bigint | undefined) ?? 0n);

// --- the CRI messages ------------------------------------------------------------------------

/** NamespaceMode: POD 0, CONTAINER 1, NODE 2. */
const NODE = 2;
/** SecurityProfile.ProfileType: RuntimeDefault 0, Unconfined 1, Localhost 2. */
export type Seccomp = { type: 'RuntimeDefault' } | { type: 'Unconfined' } | { type: 'Localhost'; path: string };
const securityProfile = (field: number, s: Seccomp) =>
  s.type === 'RuntimeDefault' ? msg(field) : s.type === 'Unconfined' ? msg(field, num(1, 1)) : msg(field, num(1, 2), str(2, s.path));

export interface PodConfig {
  name: string;
  namespace: string;
  uid: string;
  annotations: Record<string, string>;
  logDirectory: string;
}

function podSandboxConfig(field: number, pod: PodConfig): Buffer {
  return msg(
    field,
    msg(1, str(1, pod.name), str(2, pod.uid), str(3, pod.namespace), num(4, 0)), // metadata
    str(3, pod.logDirectory),
    map(7, pod.annotations),
    // linux.security_context.namespace_options: the node's network (no CNI here)
    msg(8, msg(2, msg(1, num(1, NODE)))),
  );
}

export interface ContainerSpec {
  name: string;
  image: string;
  command: string[];
  logPath: string;
  seccomp: Seccomp;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';
const STATES: ContainerState[] = ['created', 'running', 'exited', 'unknown'];

export interface CriClient {
  runPodSandbox(pod: PodConfig, runtimeHandler: string): Promise<string>;
  createContainer(sandboxId: string, pod: PodConfig, c: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<{ state: ContainerState; exitCode: number }>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  close(): void;
}

/** A gRPC error as the server sent it (grpc-status, grpc-message). */
export class GrpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: gRPC status ${code}: ${message}`);
  }
}

function unary(session: ClientHttp2Session, method: string, body: Buffer, timeoutMs = 120_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': `/runtime.v1.RuntimeService/${method}`, 'content-type': 'application/grpc', te: 'trailers' });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let message = '';
    const timer = setTimeout(() => req.close(), timeoutMs);
    const take = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', take); // a trailers-only answer (an error) comes with the headers
    req.on('trailers', take);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on('end', () => {
      clearTimeout(timer);
      if (status !== '0') return reject(new GrpcError(method, Number(status ?? -1), message || 'no grpc-status (timed out?)'));
      const all = Buffer.concat(chunks);
      resolve(all.length >= 5 ? all.subarray(5, 5 + all.readUInt32BE(1)) : Buffer.alloc(0));
    });
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(body.length, 1);
    req.end(Buffer.concat([frame, body]));
  });
}

/** A CRI client on the containerd socket `socket`. */
export function criClient(socket: string): CriClient {
  const session = http2Connect('http://localhost', { createConnection: () => netConnect(socket) });
  session.on('error', () => {}); // each call reports its own failure
  const call = (method: string, ...fields: Buffer[]) => unary(session, method, Buffer.concat(fields));
  return {
    async runPodSandbox(pod, runtimeHandler) {
      return firstString(decode(await call('RunPodSandbox', podSandboxConfig(1, pod), str(2, runtimeHandler))), 1);
    },
    async createContainer(sandboxId, pod, c) {
      const config = msg(
        2,
        msg(1, str(1, c.name), num(2, 0)), // metadata
        msg(2, str(1, c.image)),
        ...c.command.map((a) => str(3, a)),
        str(11, c.logPath),
        msg(15, msg(2, securityProfile(15, c.seccomp))), // linux.security_context.seccomp
      );
      return firstString(decode(await call('CreateContainer', str(1, sandboxId), config, podSandboxConfig(3, pod))), 1);
    },
    async startContainer(id) {
      await call('StartContainer', str(1, id));
    },
    async containerStatus(id) {
      const status = decode(first(decode(await call('ContainerStatus', str(1, id))), 1) as Buffer);
      return { state: STATES[firstNumber(status, 3)] ?? 'unknown', exitCode: firstNumber(status, 7) };
    },
    async stopContainer(id, timeoutSeconds) {
      await call('StopContainer', str(1, id), num(2, timeoutSeconds));
    },
    async removeContainer(id) {
      await call('RemoveContainer', str(1, id));
    },
    async stopPodSandbox(id) {
      await call('StopPodSandbox', str(1, id));
    },
    async removePodSandbox(id) {
      await call('RemovePodSandbox', str(1, id));
    },
    close: () => session.close(),
  };
}
