/**
 * What poststop should know about a container whose target record is gone for a reason: gc
 * wrote its profile already (its container died and poststop had not come), prestart let it
 * run untraced (fail-open), or an earlier poststop took it out (Podman runs poststop twice on
 * `podman rm -f` of a running --rm container, the second ~0.1 s after the first).
 * /run/seccomp-gen/done/<id>.json; poststop reads and removes it, gc removes those older than a
 * day (poststop never came), and a poststop's own after ten minutes: every traced container
 * leaves one, and no second poststop comes that late.
 */
import { mkdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SeccompGenError } from '../errors.js';
import { parseJson, readRegularFile } from '../io/json-file.js';
import { isObject } from '../io/shape.js';
import { formatJson, writeFileAtomic } from '../io/write-file.js';
import { CONTAINER_ID } from '../oci/state.js';
import { doneDir, namesIn } from './paths.js';

export interface DoneMarker {
  reason: 'collected' | 'untraced' | 'taken';
  /** Where the profile went (collected, taken), or why tracing was skipped (untraced). */
  detail: string;
}

const REASONS: readonly string[] = ['collected', 'untraced', 'taken'];
const DAY_MS = 24 * 3600_000;
/** How long a poststop's marker waits for a second poststop. */
const TAKEN_MS = 10 * 60_000;

function markerPath(id: string, dir: string): string {
  if (!CONTAINER_ID.test(id)) throw new SeccompGenError('STATE', `"${id}" is not a container id`);
  return join(dir, `${id}.json`);
}

/** `dir`: root's done/ by default; a rootless user's hooks keep theirs in their own run directory. */
export function markDone(id: string, marker: DoneMarker, dir = doneDir()): void {
  const path = markerPath(id, dir); // its own floor first: a bad id is refused before anything is made
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(path, formatJson(marker), { mode: 0o600 });
}

function readMarker(path: string): DoneMarker | null {
  try {
    const data = parseJson(readRegularFile(path, 64 * 1024), path);
    if (isObject(data) && typeof data.reason === 'string' && REASONS.includes(data.reason) && typeof data.detail === 'string') {
      return { reason: data.reason as DoneMarker['reason'], detail: data.detail };
    }
    return null;
  } catch {
    return null;
  }
}

/** The marker of `id`, removed as it is read; null if there is none (or it is unreadable). */
export function takeDone(id: string, dir = doneDir()): DoneMarker | null {
  const path = markerPath(id, dir);
  try {
    return readMarker(path);
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* none */
    }
  }
}

/**
 * Remove markers older than `maxAgeMs`, and poststops' own older than ten minutes; returns how
 * many. Only a marker between the two ages is read, and the poststops' go at ten minutes: the
 * others (gc's, fail-open's) are few.
 */
export function pruneDone(maxAgeMs = DAY_MS, now = Date.now(), dir = doneDir()): number {
  let n = 0;
  for (const f of namesIn(dir)) {
    const path = join(dir, f);
    try {
      const age = now - statSync(path).mtimeMs;
      if (age > maxAgeMs || (age > Math.min(TAKEN_MS, maxAgeMs) && readMarker(path)?.reason === 'taken')) {
        unlinkSync(path);
        n++;
      }
    } catch {
      /* gone meanwhile */
    }
  }
  return n;
}
