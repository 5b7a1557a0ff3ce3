/**
 * What poststop should know about a container whose target record is gone for a reason: gc
 * wrote its profile already (its container died and poststop had not come), or prestart let it
 * run untraced (fail-open). /run/seccomp-gen/done/<id>.json; poststop reads and removes it, gc
 * removes those older than a day (poststop never came).
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
  reason: 'collected' | 'untraced';
  /** Where the profile went (collected), or why tracing was skipped (untraced). */
  detail: string;
}

function markerPath(id: string): string {
  if (!CONTAINER_ID.test(id)) throw new SeccompGenError('STATE', `"${id}" is not a container id`);
  return join(doneDir(), `${id}.json`);
}

export function markDone(id: string, marker: DoneMarker): void {
  mkdirSync(doneDir(), { recursive: true, mode: 0o700 });
  writeFileAtomic(markerPath(id), formatJson(marker), { mode: 0o600 });
}

/** The marker of `id`, removed as it is read; null if there is none (or it is unreadable). */
export function takeDone(id: string): DoneMarker | null {
  const path = markerPath(id);
  try {
    const data = parseJson(readRegularFile(path, 64 * 1024), path);
    if (isObject(data) && (data.reason === 'collected' || data.reason === 'untraced') && typeof data.detail === 'string') {
      return { reason: data.reason, detail: data.detail };
    }
    return null;
  } catch {
    return null;
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* none */
    }
  }
}

/** Remove markers older than `maxAgeMs`; returns how many. */
export function pruneDone(maxAgeMs = 24 * 3600_000, now = Date.now()): number {
  let n = 0;
  for (const f of namesIn(doneDir())) {
    const path = join(doneDir(), f);
    try {
      if (now - statSync(path).mtimeMs > maxAgeMs) {
        unlinkSync(path);
        n++;
      }
    } catch {
      /* gone meanwhile */
    }
  }
  return n;
}
