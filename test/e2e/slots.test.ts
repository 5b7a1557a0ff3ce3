/**
 * End to end (root): the recorder's real map holds 1,000 traced containers at once. Targets are
 * registered through the Recorder class the hooks use, in a pin dir of this test's own, with
 * namespace numbers as the kernel hands them out (random, like a busy node's churn leaves them).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeFd, mapLookup, openPinned } from '../../src/ffi/libbpf.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNTS_SIZE, FLAG_FILTERED_ONLY, PROBES, SLOTS } from '../../src/kernel/abi.js';
import { slotOf } from '../../src/kernel/slots.js';
import { Recorder } from '../../src/kernel/recorder.js';
import { decodeCounts, type TargetKey } from '../../src/kernel/target-codec.js';
import { requireE2E } from './support.js';

const PIN_DIR = `/sys/fs/bpf/sg-slots-${process.pid}`;
let saved: string | undefined;

function counts() {
  const fd = openPinned(join(PIN_DIR, 'counts'));
  try {
    return decodeCounts(mapLookup(fd, Buffer.alloc(4), COUNTS_SIZE)!);
  } finally {
    closeFd(fd);
  }
}

beforeAll(() => {
  requireE2E();
  saved = process.env.SECCOMP_GEN_PIN_DIR;
  process.env.SECCOMP_GEN_PIN_DIR = PIN_DIR;
});
afterAll(() => {
  Recorder.open()?.detachIfIdle();
  rmSync(PIN_DIR, { recursive: true, force: true });
  if (saved === undefined) delete process.env.SECCOMP_GEN_PIN_DIR;
  else process.env.SECCOMP_GEN_PIN_DIR = saved;
});

describe('the recorder table', () => {
  it('takes 1,000 targets at once with no refusal, finds each, and says "full" only when it is', () => {
    let s = 20261129;
    const random = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    const keys = new Map<number, TargetKey>();
    while (keys.size < 1000) {
      const inum = 0xf0000000 + (random() % 0x0fffffff);
      keys.set(inum, { kind: keys.size % 10 ? 'pid' : 'mnt', inum });
    }
    const recorder = Recorder.attach();
    try {
      const started = Date.now();
      const refused: string[] = [];
      for (const key of keys.values()) {
        try {
          recorder.addTarget(key, FLAG_FILTERED_ONLY);
        } catch (e) {
          refused.push((e as Error).message);
        }
      }
      console.log(`1,000 targets registered in the real map (${SLOTS} slots) in ${Date.now() - started} ms`);
      expect(refused).toEqual([]);
      expect(recorder.keys()).toHaveLength(1000);
      expect(counts()).toEqual({ mntnsTargets: 100, unfilteredTargets: 0 }); // kept in step, not rescanned
      for (const key of keys.values()) expect(recorder.read(key)).not.toBeNull();

      for (const key of keys.values()) expect(recorder.removeTarget(key)).toBe(true);
      expect(recorder.keys()).toEqual([]);
      expect(counts()).toEqual({ mntnsTargets: 0, unfilteredTargets: 0 });

      // PROBES + 1 namespaces that all start at one slot: the last is refused, saying the table is full.
      const crowd: number[] = [];
      for (let inum = 1; crowd.length <= PROBES; inum++) if (slotOf(inum) === 77) crowd.push(inum);
      for (const inum of crowd.slice(0, PROBES)) recorder.addTarget({ kind: 'pid', inum }, 0n);
      expect(() => recorder.addTarget({ kind: 'pid', inum: crowd[PROBES]! }, 0n)).toThrow(new RegExp(`the recorder's table is full: all ${PROBES} slots namespace pid:\\[\\d+\\] may use are taken \\(${PROBES} containers traced in ${SLOTS} slots\\)`));
      for (const inum of crowd.slice(0, PROBES)) recorder.removeTarget({ kind: 'pid', inum });
      expect(recorder.keys()).toEqual([]);
    } finally {
      recorder.close();
    }
  }, 120_000);
});

describe('a recorder pinned by another version', () => {
  it('is refused with what to do, never read with the wrong slot size', () => {
    const other = `/sys/fs/bpf/sg-oldver-${process.pid}`;
    const bpftool = (...args: string[]) => {
      const r = spawnSync('bpftool', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bpftool ${args.join(' ')}: ${r.stderr}`);
    };
    try {
      mkdirSync(other, { recursive: true });
      // The shape an older version pinned: 1024 slots of 400 B (no argument sets).
      bpftool('map', 'create', join(other, 'targets'), 'type', 'array', 'key', '4', 'value', '400', 'entries', '1024', 'name', 'targets');
      bpftool('map', 'create', join(other, 'counts'), 'type', 'array', 'key', '4', 'value', String(COUNTS_SIZE), 'entries', '1', 'name', 'counts');
      bpftool('map', 'create', join(other, 'link'), 'type', 'array', 'key', '4', 'value', '4', 'entries', '1', 'name', 'link');
      process.env.SECCOMP_GEN_PIN_DIR = other;
      expect(() => Recorder.open()).toThrow(new RegExp(`the attached recorder \\(${other}\\) is another seccomp-gen version's: its slots are 400 B x 1024, this version's \\d+ or \\d+ B x ${SLOTS}\\. .*seccomp-gen gc; or remove it: rm -r ${other}`));
      expect(() => Recorder.attach()).toThrow(/another seccomp-gen version's/);
    } finally {
      process.env.SECCOMP_GEN_PIN_DIR = PIN_DIR;
      rmSync(other, { recursive: true, force: true });
    }
  });
});
