/**
 * The recorder as the hooks see it: one BPF program shared by every traced container, pinned in
 * bpffs with its maps so it outlives the hook that loaded it. Call these under withLock(): the
 * first target loads and attaches the program, the last one to leave detaches it.
 */
import { existsSync, mkdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BpfObject, arrayValues, closeFd, mapLookup, mapShape, mapUpdate, openPinned } from '../ffi/libbpf.js';
import { SeccompGenError } from '../errors.js';
import { COUNTS_MAP, COUNTS_SIZE, FLAG_FILTERED_ONLY, objectPath as thisArchObject, PROBES, PROGRAMS, SLOTS, TARGET_SIZE, TARGET_SIZES, TARGETS_MAP } from './abi.js';
import { buildFor, probeFeatures, type KernelFeatures } from './features.js';
import { placeFor, probeSequence, tombstonesToEmpty, type SlotState } from './slots.js';
import { DEFAULT_PIN_DIR, ensureBpffs } from './bpffs.js';
import {
  decodeCounts,
  decodeSlotKey,
  decodeTarget,
  encodeCounts,
  encodeNewTarget,
  encodeSlot,
  encodeTombstone,
  keyName,
  sameKey,
  targetFlags,
  type Counts,
  type RecordedTarget,
  type TargetKey,
} from './target-codec.js';

export function pinDir(): string {
  return process.env.SECCOMP_GEN_PIN_DIR ?? DEFAULT_PIN_DIR;
}
const pins = () => ({ link: join(pinDir(), 'link'), targets: join(pinDir(), 'targets'), counts: join(pinDir(), 'counts') });

function unpinAll(): void {
  const p = pins();
  // The link first: once its pin is gone (and no fd holds it) the program stops running.
  for (const path of [p.link, p.targets, p.counts]) {
    try {
      unlinkSync(path);
    } catch {
      /* not pinned */
    }
  }
  try {
    rmdirSync(pinDir());
  } catch {
    /* not there, or not empty: leave it */
  }
}

/**
 * The recorder's object opened with the one build of the program this kernel runs (features.ts),
 * its slots sized for it, and loaded: the verifier has accepted it, nothing is attached or pinned
 * yet. Close it when done.
 */
function loadForThisKernel(objectPath: string): { obj: BpfObject; features: KernelFeatures; program: string } {
  if (!existsSync(objectPath)) {
    throw new SeccompGenError('BPF', `BPF object ${objectPath} is missing: reinstall seccomp-gen, or build it with npm run build`);
  }
  const features = probeFeatures();
  const { program, targetSize } = buildFor(features);
  const obj = BpfObject.open(objectPath);
  try {
    for (const other of Object.values(PROGRAMS)) if (other !== program) obj.program(other).leaveOut();
    if (targetSize !== TARGET_SIZE) obj.map(TARGETS_MAP).setValueSize(targetSize);
    obj.load([program]);
  } catch (e) {
    obj.close();
    throw e;
  }
  return { obj, features, program };
}

/** Whether the recorder loads here, and which build: loaded, then let go, never attached (seccomp-gen check). */
export function tryLoad(objectPath = thisArchObject()): KernelFeatures {
  const { obj, features } = loadForThisKernel(objectPath);
  obj.close();
  return features;
}

function loadAndPin(objectPath: string): void {
  const p = pins();
  const { obj, program } = loadForThisKernel(objectPath); // a refusal leaves nothing behind
  try {
    mkdirSync(pinDir(), { recursive: true, mode: 0o700 });
    obj.map(TARGETS_MAP).pin(p.targets);
    obj.map(COUNTS_MAP).pin(p.counts);
    obj.program(program).attachAndPin(p.link);
  } catch (e) {
    unpinAll();
    throw e;
  } finally {
    obj.close();
  }
}

/**
 * The pinned targets map, checked to be the shape this version reads: a recorder pinned by
 * another version of seccomp-gen (an upgrade while containers were traced) has other slot sizes,
 * and reading it with ours would misread every slot (or, the other way round, overrun a buffer).
 */
function openTargets(path: string): { fd: number; size: number } {
  const fd = openPinned(path);
  const shape = mapShape(fd);
  if (!(TARGET_SIZES as readonly number[]).includes(shape.valueSize) || shape.maxEntries !== SLOTS) {
    closeFd(fd);
    throw new SeccompGenError('BPF', `the attached recorder (${pinDir()}) is another seccomp-gen version's: its slots are ${shape.valueSize} B x ${shape.maxEntries}, this version's ${TARGET_SIZES.join(' or ')} B x ${SLOTS}. Let the containers it traces stop (seccomp-gen status), then seccomp-gen gc; or remove it: rm -r ${pinDir()}`);
  }
  return { fd, size: shape.valueSize };
}

export class Recorder {
  private targetsFd: number;
  /** The slot size this kernel's recorder has (abi.ts TARGET_SIZES: larger without atomics). */
  private readonly targetSize: number;

  private constructor(
    targets: { fd: number; size: number },
    private countsFd: number,
  ) {
    this.targetsFd = targets.fd;
    this.targetSize = targets.size;
  }

  /** The pinned recorder, loaded and attached first if nothing (or only part of it) is pinned. */
  static attach(objectPath = thisArchObject()): Recorder {
    ensureBpffs();
    const p = pins();
    if (!(existsSync(p.link) && existsSync(p.targets) && existsSync(p.counts))) {
      unpinAll(); // a half-pinned set is left by a crash: start clean
      loadAndPin(objectPath);
    }
    return new Recorder(openTargets(p.targets), openPinned(p.counts));
  }

  /** The pinned recorder if it is attached, else null. Does not load anything. */
  static open(): Recorder | null {
    const p = pins();
    if (!(existsSync(p.link) && existsSync(p.targets) && existsSync(p.counts))) return null;
    return new Recorder(openTargets(p.targets), openPinned(p.counts));
  }

  private slot(index: number): Buffer {
    const value = mapLookup(this.targetsFd, encodeSlot(index), this.targetSize);
    if (!value) throw new SeccompGenError('BPF', `recorder slot ${index} cannot be read`);
    return value;
  }

  /** What each slot of `key`'s probe sequence holds, as the program's lookup() sees it. */
  private probe(key: TargetKey): { sequence: number[]; states: SlotState[] } {
    const sequence = probeSequence(key.inum);
    const states: SlotState[] = sequence.map((index) => {
      const held = decodeSlotKey(this.slot(index));
      if (held === 'empty' || held === 'tombstone') return { kind: held };
      return { kind: 'used', matches: sameKey(held, key) };
    });
    return { sequence, states };
  }

  /** The slot holding `key`, or undefined: the first match before an empty slot. */
  private find(key: TargetKey): number | undefined {
    const { sequence, states } = this.probe(key);
    for (const [i, s] of states.entries()) {
      if (s.kind === 'empty') return undefined;
      if (s.kind === 'used' && s.matches) return sequence[i];
    }
    return undefined;
  }

  addTarget(key: TargetKey, flags: bigint): void {
    const { sequence, states } = this.probe(key);
    const place = placeFor(states, sequence);
    if (place === 'exists') throw new SeccompGenError('TARGET', `namespace ${keyName(key)} is already traced by another container`);
    if (place === 'full') {
      throw new SeccompGenError('TARGET', `the recorder's table is full: all ${PROBES} slots namespace ${keyName(key)} may use are taken (${this.keys().length} containers traced in ${SLOTS} slots): stop some, or run seccomp-gen gc`);
    }
    this.adjustCounts(key, flags, +1); // before the slot: counts too high cost a lookup, too low lose calls
    mapUpdate(this.targetsFd, encodeSlot(place), encodeNewTarget(key, flags, this.targetSize));
  }

  read(key: TargetKey): RecordedTarget | null {
    const index = this.find(key);
    return index === undefined ? null : decodeTarget(this.slot(index));
  }

  removeTarget(key: TargetKey): boolean {
    const index = this.find(key);
    if (index === undefined) return false;
    const flags = targetFlags(this.slot(index));
    mapUpdate(this.targetsFd, encodeSlot(index), encodeTombstone(this.targetSize));
    const kindAt = (i: number): SlotState['kind'] => {
      const held = decodeSlotKey(this.slot(i));
      return held === 'empty' || held === 'tombstone' ? held : 'used';
    };
    for (const i of tombstonesToEmpty(index, kindAt)) mapUpdate(this.targetsFd, encodeSlot(i), Buffer.alloc(this.targetSize));
    this.adjustCounts(key, flags, -1); // after the slot, for the same reason
    return true;
  }

  /** Every traced namespace and its flags, from one batch read (bitmaps are not decoded). */
  private entries(): { key: TargetKey; flags: bigint }[] {
    const out: { key: TargetKey; flags: bigint }[] = [];
    const size = this.targetSize;
    const all = arrayValues(this.targetsFd, SLOTS, size);
    for (let index = 0; index < SLOTS; index++) {
      // Most slots are empty: look at the kind word before making a view of the slot (1024
      // Buffer views per scan were ~2 ms of a ~45 ms hook).
      if (all.readUInt32LE(index * size) === 0) continue;
      const value = all.subarray(index * size, (index + 1) * size);
      const held = decodeSlotKey(value);
      if (held !== 'empty' && held !== 'tombstone') out.push({ key: held, flags: targetFlags(value) });
    }
    return out;
  }

  keys(): TargetKey[] {
    return this.entries().map((e) => e.key);
  }

  private counts(): Counts {
    const value = mapLookup(this.countsFd, Buffer.alloc(4), COUNTS_SIZE);
    return value ? decodeCounts(value) : { mntnsTargets: 0, unfilteredTargets: 0 };
  }

  /**
   * The counts the program uses to skip lookups, kept in step with each target added or removed:
   * deriving them afresh scans the whole table (3.2 MiB, ~2.6 ms), which every hook would pay.
   * A hook killed between the two updates leaves them too high (a wasted lookup, nothing lost);
   * recount() puts them right, from one scan (seccomp-gen gc does).
   */
  private adjustCounts(key: TargetKey, flags: bigint, by: 1 | -1): void {
    const c = this.counts();
    if (key.kind === 'mnt') c.mntnsTargets = Math.max(0, c.mntnsTargets + by);
    if (!(flags & FLAG_FILTERED_ONLY)) c.unfilteredTargets = Math.max(0, c.unfilteredTargets + by);
    mapUpdate(this.countsFd, Buffer.alloc(4), encodeCounts(c));
  }

  /** The counts derived afresh from the targets. */
  recount(): void {
    let mntnsTargets = 0;
    let unfilteredTargets = 0;
    for (const { key, flags } of this.entries()) {
      if (key.kind === 'mnt') mntnsTargets++;
      if (!(flags & FLAG_FILTERED_ONLY)) unfilteredTargets++;
    }
    mapUpdate(this.countsFd, Buffer.alloc(4), encodeCounts({ mntnsTargets, unfilteredTargets }));
  }

  /** Detach the program and unpin everything if no container is traced any more. */
  detachIfIdle(): boolean {
    if (this.keys().length > 0) return false;
    this.close();
    unpinAll();
    return true;
  }

  close(): void {
    if (this.targetsFd >= 0) closeFd(this.targetsFd);
    if (this.countsFd >= 0) closeFd(this.countsFd);
    this.targetsFd = this.countsFd = -1;
  }
}
