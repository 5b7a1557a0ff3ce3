/**
 * `seccomp-gen status` and `gc` run by a user (not host root): what the broker traces for them,
 * and the profiles that are waiting — recordings the broker kept because no poststop came for
 * them (the broker was down, the hook failed), and profiles the hook could not write to of:.
 * `gc` writes the kept recordings as their poststop would have, as the user.
 */
import { SeccompGenError, messageOf } from '../errors.js';
import { askBroker } from './client.js';
import { listUserTargets, listUserUnwritten, loadUserTarget, userUnwrittenDir } from './user-state.js';

interface BrokerList {
  targets: { id: string; key: string; since: string; state: string }[];
  unwritten: string[];
}

function asList(reply: Record<string, unknown>): BrokerList {
  return {
    targets: Array.isArray(reply.targets) ? (reply.targets as BrokerList['targets']) : [],
    unwritten: Array.isArray(reply.unwritten) ? (reply.unwritten as string[]) : [],
  };
}

export async function rootlessStatus(uid: number, json: boolean): Promise<number> {
  const list = asList(await askBroker({ op: 'list' }, { uid }));
  const kept = listUserUnwritten(uid);
  if (json) {
    process.stdout.write(`${JSON.stringify({ uid, targets: list.targets, keptByBroker: list.unwritten, unwrittenProfiles: kept.map((id) => `${userUnwrittenDir(uid)}/${id}.json`) }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`rootless (uid ${uid}, through the broker): ${list.targets.length} traced container(s)\n`);
  for (const t of list.targets) {
    const output = loadUserTargetSafe(uid, t.id)?.output ?? '?';
    process.stdout.write(`${t.id.slice(0, 12)}  ${t.key}  ${t.since}  ${output}  ${t.state}\n`);
  }
  for (const id of list.unwritten) process.stdout.write(`${id.slice(0, 12)}  recording kept by the broker (its poststop never took it): seccomp-gen gc writes its profile\n`);
  for (const id of kept) process.stdout.write(`${id.slice(0, 12)}  unwritten profile: ${userUnwrittenDir(uid)}/${id}.json\n`);
  return 0;
}

function loadUserTargetSafe(uid: number, id: string) {
  try {
    return loadUserTarget(uid, id);
  } catch {
    return null;
  }
}

/** Write the profiles of the user's containers that ended without their poststop. */
export async function rootlessGc(uid: number): Promise<number> {
  const { finishRootless } = await import('./hooks.js');
  const list = asList(await askBroker({ op: 'list' }, { uid }));
  const running = new Set(list.targets.filter((t) => t.state === 'tracing').map((t) => t.id));
  let failed = 0;
  for (const id of listUserTargets(uid)) {
    if (running.has(id)) continue;
    const record = loadUserTargetSafe(uid, id);
    if (!record) continue;
    try {
      const done = await finishRootless(record, uid);
      process.stdout.write(`collected ${id.slice(0, 12)}: profile written to ${done.output}\n`);
    } catch (e) {
      // TARGET: the broker has nothing for it (final, the record is gone); else it may work later.
      const lost = e instanceof SeccompGenError && e.code === 'TARGET';
      if (!lost) failed++;
      process.stdout.write(`${lost ? 'lost' : 'unwritten'} ${id.slice(0, 12)}: ${messageOf(e)}\n`);
    }
  }
  process.stdout.write(`${running.size} container(s) still traced\n`);
  return failed ? 1 : 0;
}
