/**
 * The hooks of a rootless container: they run as the user (root only inside podman's user
 * namespace), so they cannot load BPF; the broker (src/broker/) does the kernel's part for them,
 * after checking that the container is theirs. Everything a path names is done here, as the
 * user: the if: base is read and of: written with the user's own rights, no identity switch (a
 * rootless container's loginuid may be unset; this process IS the user).
 *
 *   prestart: check of:/if: → broker registers (id, host pid) → our record in the user's run dir
 *   poststop: our record → broker hands the recording back → profile → of:
 */
import { SeccompGenError, messageOf } from '../errors.js';
import { checkArgumentValues, type RecordedTarget, type TargetKey } from '../kernel/target-codec.js';
import { ShapeError } from '../io/shape.js';
import { logEvent } from '../log/log.js';
import type { OciState } from '../oci/state.js';
import { outputPolicy } from '../policy/output-policy.js';
import { checkTargetKey, type TargetRecord } from '../state/targets.js';
import { prepareTarget, targetRecord, traceRequestOf } from '../tracing/target.js';
import { BrokerRefusal, askBroker } from './client.js';
import { deleteUserTarget, ensureUserRunDir, loadUserTarget, saveUserTarget, userDoneDir, userUnwrittenDir } from './user-state.js';
import { markDone, pruneDone, takeDone } from '../state/done.js';
import { notTraced, ranAgain, type Finished, type PoststopResult } from '../write/finish.js';

const SELF = outputPolicy({ self: true });

function checkKey(v: unknown): TargetKey {
  try {
    return checkTargetKey(v);
  } catch (e) {
    if (e instanceof ShapeError) throw new SeccompGenError('BROKER', 'the broker answered with no namespace key');
    throw e;
  }
}

/** The recorder's data as the broker returned it: only what the profile needs is checked. */
export function checkRecorded(v: unknown): RecordedTarget {
  const r = v as { syscalls?: Record<string, unknown>; arguments?: unknown } | null;
  const ok = r && typeof r.syscalls === 'object' && r.syscalls !== null && Object.values(r.syscalls).every((a) => Array.isArray(a) && a.every((n) => Number.isInteger(n) && n >= 0));
  if (!ok) throw new SeccompGenError('BROKER', 'the broker answered with no recording');
  // Argument values, when the recorder has them: a Map of name → value tuples, or 'overflow'.
  if (r.arguments !== undefined) {
    if (!(r.arguments instanceof Map)) throw new SeccompGenError('BROKER', 'the broker answered with malformed argument values');
    try {
      checkArgumentValues(r.arguments);
    } catch {
      throw new SeccompGenError('BROKER', 'the broker answered with malformed argument values');
    }
  }
  return v as RecordedTarget;
}

export async function rootlessPrestart(state: OciState, annotation: string, uid: number): Promise<TargetRecord> {
  const { request, pid } = traceRequestOf(state, annotation);
  const prepared = await prepareTarget(state, request, pid, SELF);
  ensureUserRunDir(uid); // before asking: a run dir we cannot make fails the container, not the recording
  const reply = await askBroker({ op: 'register', id: state.id, pid, mode: prepared.mode }, { uid });
  const record = targetRecord({ ...prepared, key: checkKey(reply.key) });
  try {
    saveUserTarget(uid, record);
    takeDone(state.id, userDoneDir(uid)); // the mark of this container's previous run, if it is started again
    pruneDone(undefined, undefined, userDoneDir(uid));
  } catch (e) {
    await askBroker({ op: 'take', id: state.id }, { uid }).catch(() => undefined); // undo: nothing would ever take it
    throw e;
  }
  return record;
}

/** Write the profile of `record` from what the broker hands back; the profile is kept for the user if of: refuses it. */
export async function finishRootless(record: TargetRecord, uid: number): Promise<Finished> {
  let reply: Record<string, unknown>;
  try {
    reply = await askBroker({ op: 'take', id: record.id }, { uid });
  } catch (e) {
    if (e instanceof BrokerRefusal) {
      deleteUserTarget(uid, record.id); // the broker has nothing for it (a reboot, or taken already): final
      throw new SeccompGenError('TARGET', `${e.message}; no profile written for ${record.output}`);
    }
    throw new SeccompGenError('BROKER', `${messageOf(e)}; no profile written yet: the recording stays with the broker, and \`seccomp-gen gc\` run as uid ${uid} writes it once the broker answers`);
  }
  const { writeProfileOf } = await import('../write/finish.js');
  try {
    return writeProfileOf(record, checkRecorded(reply.recorded), undefined, { policy: SELF, keepDir: userUnwrittenDir(uid) });
  } finally {
    deleteUserTarget(uid, record.id);
  }
}

/**
 * `asked`: as for root's poststop (hooks/poststop.ts); a container no key is known to name has
 * nothing to do. Podman runs poststop twice on `podman rm -f` of a running --rm container, the
 * second while the first may still be writing: the first leaves its mark before it asks the broker.
 */
export async function rootlessPoststop(state: OciState, uid: number, asked: boolean): Promise<PoststopResult> {
  const earlier = takeDone(state.id, userDoneDir(uid));
  if (earlier?.reason === 'taken') return ranAgain(earlier.detail);
  const record = loadUserTarget(uid, state.id);
  if (!record && !asked) return { output: '', syscalls: 0, warnings: [] }; // its prestart said why
  if (!record) throw notTraced(state.id);
  markDone(state.id, { reason: 'taken', detail: record.output }, userDoneDir(uid));
  try {
    return await finishRootless(record, uid);
  } catch (e) {
    logEvent('poststop', 'unwritten', { id: state.id, uid }, messageOf(e));
    throw e;
  }
}
