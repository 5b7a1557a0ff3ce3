/**
 * libbpf 1.x through koffi: the only file that calls it. It exposes the handful of calls the
 * recorder needs as plain functions that throw SeccompGenError('BPF') with the errno name.
 * libbpf 1.x returns -errno from int functions and NULL (with errno set) from pointer ones.
 */
import { closeSync } from 'node:fs';
import { getSystemErrorName } from 'node:util';
import koffi, { type LibraryHandle } from 'koffi';
import { SeccompGenError, messageOf } from '../errors.js';

/** An opaque libbpf pointer (bpf_object *, bpf_program *, bpf_map *, bpf_link *). */
export type Handle = bigint;

// koffi returns a pointer type as an opaque value; we only pass it back to libbpf.
type Ptr = unknown;

interface Bindings {
  setPrint: (fn: null) => Ptr;
  objectOpenFile: (path: string, opts: null) => Ptr;
  objectLoad: (obj: Ptr) => number;
  objectClose: (obj: Ptr) => void;
  findProgram: (obj: Ptr, name: string) => Ptr;
  findMap: (obj: Ptr, name: string) => Ptr;
  mapPin: (map: Ptr, path: string) => number;
  mapKeySize: (map: Ptr) => number;
  mapValueSize: (map: Ptr) => number;
  mapMaxEntries: (map: Ptr) => number;
  mapType: (map: Ptr) => number;
  programAttach: (prog: Ptr) => Ptr;
  programSection: (prog: Ptr) => string;
  linkPin: (link: Ptr, path: string) => number;
  linkDestroy: (link: Ptr) => number;
  objGet: (path: string) => number;
  objGetInfo: (fd: number, info: Buffer, len: number[]) => number;
  lookup: (fd: number, key: Buffer, value: Buffer) => number;
  update: (fd: number, key: Buffer, value: Buffer, flags: bigint) => number;
  lookupBatch: (fd: number, inBatch: Buffer | null, outBatch: Buffer, keys: Buffer, values: Buffer, count: number[], opts: null) => number;
  mapSetValueSize: (map: Ptr, size: number) => number;
  programSetAutoload: (prog: Ptr, autoload: boolean) => number;
  programSetLogBuf: (prog: Ptr, buf: Buffer, size: number) => number;
  probeHelper: (progType: number, helperId: number, opts: null) => number;
  progLoad: (progType: number, name: string, license: string, insns: Buffer, count: number, opts: null) => number;
  majorVersion: () => number;
  minorVersion: () => number;
}

let bindings: Bindings | undefined;

function lib(): Bindings {
  if (bindings) return bindings;
  let l: LibraryHandle;
  try {
    l = koffi.load('libbpf.so.1');
  } catch (e) {
    throw new SeccompGenError(
      'LIBRARY',
      `cannot load libbpf.so.1 (${messageOf(e)}): install libbpf1 (apt-get install libbpf1)`,
    );
  }
  koffi.opaque('bpf_object');
  koffi.opaque('bpf_program');
  koffi.opaque('bpf_map');
  koffi.opaque('bpf_link');
  bindings = {
    setPrint: l.func('void *libbpf_set_print(void *fn)'),
    objectOpenFile: l.func('bpf_object *bpf_object__open_file(const char *path, void *opts)'),
    objectLoad: l.func('int bpf_object__load(bpf_object *obj)'),
    objectClose: l.func('void bpf_object__close(bpf_object *obj)'),
    findProgram: l.func('bpf_program *bpf_object__find_program_by_name(bpf_object *obj, const char *name)'),
    findMap: l.func('bpf_map *bpf_object__find_map_by_name(bpf_object *obj, const char *name)'),
    mapPin: l.func('int bpf_map__pin(bpf_map *map, const char *path)'),
    mapKeySize: l.func('uint32_t bpf_map__key_size(bpf_map *map)'),
    mapValueSize: l.func('uint32_t bpf_map__value_size(bpf_map *map)'),
    mapMaxEntries: l.func('uint32_t bpf_map__max_entries(bpf_map *map)'),
    mapType: l.func('int bpf_map__type(bpf_map *map)'),
    programAttach: l.func('bpf_link *bpf_program__attach(bpf_program *prog)'),
    programSection: l.func('const char *bpf_program__section_name(bpf_program *prog)'),
    linkPin: l.func('int bpf_link__pin(bpf_link *link, const char *path)'),
    linkDestroy: l.func('int bpf_link__destroy(bpf_link *link)'),
    objGet: l.func('int bpf_obj_get(const char *path)'),
    objGetInfo: l.func('int bpf_obj_get_info_by_fd(int fd, _Out_ void *info, _Inout_ uint32_t *len)'),
    lookup: l.func('int bpf_map_lookup_elem(int fd, const void *key, _Out_ void *value)'),
    update: l.func('int bpf_map_update_elem(int fd, const void *key, const void *value, uint64_t flags)'),
    lookupBatch: l.func(
      'int bpf_map_lookup_batch(int fd, void *in_batch, _Out_ void *out_batch, _Out_ void *keys, _Out_ void *values, _Inout_ uint32_t *count, void *opts)',
    ),
    mapSetValueSize: l.func('int bpf_map__set_value_size(bpf_map *map, uint32_t size)'),
    programSetAutoload: l.func('int bpf_program__set_autoload(bpf_program *prog, bool autoload)'),
    // The buffer is kept by libbpf until load: BpfObject holds it as long.
    programSetLogBuf: l.func('int bpf_program__set_log_buf(bpf_program *prog, void *buf, size_t size)'),
    probeHelper: l.func('int libbpf_probe_bpf_helper(int prog_type, int helper_id, const void *opts)'),
    progLoad: l.func('int bpf_prog_load(int prog_type, const char *name, const char *license, const void *insns, size_t insn_cnt, const void *opts)'),
    majorVersion: l.func('uint32_t libbpf_major_version(void)'),
    minorVersion: l.func('uint32_t libbpf_minor_version(void)'),
  };
  // libbpf prints its own warnings to stderr, which podman would show beside ours. Our
  // errors carry the errno and the step; SECCOMP_GEN_DEBUG=1 keeps libbpf's detail.
  if (!process.env.SECCOMP_GEN_DEBUG) bindings.setPrint(null);
  return bindings;
}

const BPF_ANY = 0n;

const ENOENT = 2;

function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-Math.abs(errno));
  } catch {
    return `errno ${errno}`;
  }
}

/** Why the kernel may have refused, in words that say what to do. */
function hint(step: string, errno: number): string {
  const name = errnoName(errno);
  if (name === 'EPERM' || name === 'EACCES') {
    return ': run as root (CAP_BPF and CAP_PERFMON), and check kernel lockdown and kernel.unprivileged_bpf_disabled';
  }
  if (name === 'ENOENT' && step.startsWith('loading')) return ': is the kernel built with BTF (/sys/kernel/btf/vmlinux)?';
  return '';
}

class BpfCallError extends SeccompGenError {
  constructor(
    readonly step: string,
    readonly errno: number,
    /** The verifier's words, when it refused a program. */
    readonly verifier = '',
  ) {
    super('BPF', `${step} failed: ${errnoName(errno)}${verifier ? ` (the verifier: ${verifier})` : hint(step, errno)}`);
  }
}

function checkInt(step: string, rc: number): number {
  if (rc < 0) throw new BpfCallError(step, -rc);
  return rc;
}

function checkPtr(step: string, p: Ptr): Ptr {
  if (p === null) throw new BpfCallError(step, koffi.errno());
  return p;
}

/**
 * The verifier's own words for a refusal: the last lines of its log before the summary it prints
 * ("processed N insns …"), e.g. "R4 unbounded memory access, make sure to bounds check any such
 * access". Empty when the log says nothing (a refusal before verification).
 */
export function verifierComplaint(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l && !/^(processed \d+ insns|verification time|stack depth|-- END PROG LOAD LOG --)/.test(l));
  // The complaint follows the last instruction the verifier printed ("123: (bf) r1 = r2 ...").
  let last = -1;
  lines.forEach((l, i) => {
    if (/^\d+: \(/.test(l) || /^from \d+ to \d+/.test(l)) last = i;
  });
  return lines.slice(last + 1).join('; ').slice(0, 300);
}

/** The verifier log kept for a load that fails: the end of a refusal's trace is what matters. */
const VERIFIER_LOG_SIZE = 4 << 20;

/** A BPF object file opened (and later loaded) by libbpf; close() it when done. */
export class BpfObject {
  private log: Buffer | undefined;

  private constructor(private ptr: Ptr) {}

  static open(path: string): BpfObject {
    return new BpfObject(checkPtr(`opening BPF object ${path}`, lib().objectOpenFile(path, null)));
  }

  /**
   * Load every program and create the maps. When the kernel refuses a program, the error carries
   * the verifier's complaint (libbpf asks the kernel for its log only after a refusal).
   */
  load(programs: string[] = []): void {
    for (const name of programs) {
      // Not zeroed (4 MiB, on every cold prestart): the kernel NUL-terminates what it writes, and an
      // empty log reads as empty.
      this.log ??= Buffer.allocUnsafe(VERIFIER_LOG_SIZE).fill(0, 0, 1);
      checkInt(`keeping the verifier log of ${name}`, lib().programSetLogBuf(this.program(name).ptr, this.log, this.log.length));
    }
    const rc = lib().objectLoad(this.ptr);
    if (rc >= 0) return;
    const complaint = this.log ? verifierComplaint(this.log.toString('utf8', 0, Math.max(0, this.log.indexOf(0)))) : '';
    throw new BpfCallError('loading the BPF program into the kernel', -rc, complaint);
  }

  map(name: string): BpfMapSpec {
    const m = lib().findMap(this.ptr, name);
    if (m === null) throw new SeccompGenError('BPF', `BPF object has no map "${name}"`);
    return new BpfMapSpec(m, name);
  }

  program(name: string): BpfProgramSpec {
    const p = lib().findProgram(this.ptr, name);
    if (p === null) throw new SeccompGenError('BPF', `BPF object has no program "${name}"`);
    return new BpfProgramSpec(p, name);
  }

  close(): void {
    if (this.ptr !== null) lib().objectClose(this.ptr);
    this.ptr = null;
  }
}

class BpfMapSpec {
  constructor(
    private readonly ptr: Ptr,
    readonly name: string,
  ) {}
  get keySize(): number {
    return lib().mapKeySize(this.ptr);
  }
  get valueSize(): number {
    return lib().mapValueSize(this.ptr);
  }
  get maxEntries(): number {
    return lib().mapMaxEntries(this.ptr);
  }
  get type(): number {
    return lib().mapType(this.ptr);
  }
  pin(path: string): void {
    checkInt(`pinning map ${this.name} at ${path}`, lib().mapPin(this.ptr, path));
  }
  /** Before load: another value size than the object declares. */
  setValueSize(size: number): void {
    checkInt(`setting map ${this.name}'s value size`, lib().mapSetValueSize(this.ptr, size));
  }
}

class BpfProgramSpec {
  constructor(
    readonly ptr: Ptr,
    readonly name: string,
  ) {}
  get section(): string {
    return lib().programSection(this.ptr);
  }
  /** Before load: do not load this program (another build of it is the one this kernel runs). */
  leaveOut(): void {
    checkInt(`leaving program ${this.name} out`, lib().programSetAutoload(this.ptr, false));
  }
  /** Attach by the program's SEC() and pin the link, so it outlives this process. */
  attachAndPin(path: string): void {
    const link = checkPtr(`attaching program ${this.name}`, lib().programAttach(this.ptr));
    try {
      checkInt(`pinning link at ${path}`, lib().linkPin(link, path));
    } finally {
      // For a pinned link this only closes our fd: the pin keeps the program attached.
      lib().linkDestroy(link);
    }
  }
}

/** The libbpf loaded, e.g. "1.1" (throws the "install libbpf1" error if there is none). */
export function libbpfVersion(): string {
  return `${lib().majorVersion()}.${lib().minorVersion()}`;
}

/** bpf_prog_type values the probes use (uapi/linux/bpf.h). */
export const PROG_TYPE_RAW_TRACEPOINT = 17;

/** Whether the kernel lets a program of `progType` call helper `helperId` (libbpf's probe). */
export function helperAvailable(progType: number, helperId: number): boolean {
  const rc = lib().probeHelper(progType, helperId, null);
  if (rc < 0) throw new BpfCallError(`probing BPF helper ${helperId}`, -rc);
  return rc === 1;
}

/**
 * Whether the kernel loads a program made of these raw instructions (8 bytes each): a probe of
 * an instruction's support. A refusal is false; an error that says nothing about the program
 * (EPERM: no privilege) is thrown.
 */
export function programLoads(progType: number, instructions: Buffer): boolean {
  const fd = lib().progLoad(progType, 'sg_probe', 'GPL', instructions, instructions.length / 8, null);
  if (fd >= 0) {
    closeSync(fd);
    return true;
  }
  const name = errnoName(-fd);
  if (name === 'EINVAL' || name === 'ENOTSUPP' || name === 'EOPNOTSUPP' || fd === -524) return false;
  throw new BpfCallError('loading a probe BPF program', -fd);
}

/** A file descriptor of a pinned BPF object. */
export function openPinned(path: string): number {
  return checkInt(`opening pinned BPF object ${path}`, lib().objGet(path));
}

/** A pinned map's shape as the kernel holds it (struct bpf_map_info: type, id, key_size, value_size, max_entries). */
export function mapShape(fd: number): { keySize: number; valueSize: number; maxEntries: number } {
  const info = Buffer.alloc(96); // struct bpf_map_info is larger; the kernel fills what fits and says how much
  const len = [info.length];
  checkInt('reading a pinned BPF map\'s shape', lib().objGetInfo(fd, info, len));
  return { keySize: info.readUInt32LE(8), valueSize: info.readUInt32LE(12), maxEntries: info.readUInt32LE(16) };
}

export function closeFd(fd: number): void {
  closeSync(fd);
}

/** The value under `key`, or null if there is none. */
export function mapLookup(fd: number, key: Buffer, valueSize: number): Buffer | null {
  const value = Buffer.alloc(valueSize);
  const rc = lib().lookup(fd, key, value);
  if (rc === -ENOENT) return null;
  checkInt('reading a BPF map entry', rc);
  return value;
}

export function mapUpdate(fd: number, key: Buffer, value: Buffer, flags = BPF_ANY): void {
  checkInt('writing a BPF map entry', lib().update(fd, key, value, flags));
}

/**
 * Every value of an array map of `entries` entries of `valueSize` bytes, in one bpf() call
 * (one call per entry through FFI costs ~10 µs each: a 1024-entry scan took ~8 ms).
 */
export function arrayValues(fd: number, entries: number, valueSize: number): Buffer {
  const values = Buffer.alloc(entries * valueSize);
  const keys = Buffer.alloc(entries * 4);
  const count = [entries];
  const rc = lib().lookupBatch(fd, null, Buffer.alloc(4), keys, values, count, null);
  // ENOENT: the end of the map was reached, with count entries copied (all of them here).
  if (rc < 0 && rc !== -ENOENT) checkInt('reading a BPF map in one batch', rc);
  if (count[0] !== entries) throw new SeccompGenError('BPF', `reading a BPF map in one batch returned ${count[0]} of ${entries} entries`);
  return values;
}
