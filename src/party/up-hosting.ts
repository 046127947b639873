/**
 * `up` and `parties.<name>.alsoHostedOn`: after the parties exist and before anything uses them, host
 * each on its extra participants with Workflow 1 (the multi-controller recipe: a participant submits
 * only for parties it hosts with Submission). A small marker keyed by the daemon's start records what
 * this daemon already has, so a re-run of `up` against the same daemon costs no console run.
 */
import { join } from 'node:path';
import type { Topology } from '../config/types.js';
import { readJsonIfExists, writeFileAtomic } from '../system/fs.js';
import type { State } from '../state/state.js';
import type { ProcessRunner } from '../system/process.js';
import { executeReplication } from './execute.js';
import { createPartyIO } from './io.js';
import { REPLICATION_DIR, replicationDir } from './runs.js';
import { permissionFromFlag } from './types.js';

export interface HostingPair {
  party: string;
  source: string;
  target: string;
  permission: 'submission' | 'confirmation' | 'observation';
}

export function hostingPairs(t: Topology): HostingPair[] {
  return t.parties.flatMap((p) => (p.alsoHostedOn ?? []).map((h) => ({ party: p.name, source: p.participant, target: h.participant, permission: h.permission })));
}

const key = (h: HostingPair) => `${h.party}->${h.target}:${h.permission}`;
const markerPath = (t: Topology) => join(t.stateDir, REPLICATION_DIR, 'hosting.json');
interface Marker { daemonStartedAt: string; done: string[] }

/** Observation for `needed` / `--dry-run`: has this daemon already got every configured hosting? */
export async function hostingConverged(t: Topology, state: State): Promise<boolean> {
  const pairs = hostingPairs(t);
  if (pairs.length === 0) return true;
  const m = await readJsonIfExists<Marker>(markerPath(t)).catch(() => undefined);
  return !!m && m.daemonStartedAt === state.canton?.startedAt && pairs.every((p) => m.done.includes(key(p)));
}

export async function convergeHosting(t: Topology, state: State, runner: ProcessRunner, signal: AbortSignal | undefined, info: (line: string) => void): Promise<void> {
  const done: string[] = [];
  for (const h of hostingPairs(t)) {
    const dir = replicationDir(t, h.party, h.target);
    const io = createPartyIO({ topology: t, state, runner, signal, dir });
    const partyId = state.parties[h.party]?.id;
    if (!partyId) throw new Error(`party ${h.party} has no id after readiness`);
    const { run } = await executeReplication(io, { partyName: h.party, partyId, source: h.source, target: h.target, permission: permissionFromFlag(h.permission)! }, dir, { signal });
    info(run.assessment?.alreadyDone ? `${h.party} is already hosted on ${h.target}` : `${h.party} is now also hosted on ${h.target} (${h.permission})`);
    done.push(key(h));
  }
  await writeFileAtomic(markerPath(t), JSON.stringify({ daemonStartedAt: state.canton?.startedAt ?? '', done } satisfies Marker), 0o600);
}
