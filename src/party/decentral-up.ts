/**
 * `up` and `parties.<name>.decentralized`: after readiness, create each configured decentralized party
 * with the same Workflow 3 plan as `party decentralize`. A marker keyed by the daemon's start records
 * what this daemon already has, so a re-run of `up` against the same daemon costs no console run.
 */
import { join } from 'node:path';
import type { DecentralizedPartySpec, Topology } from '../config/types.js';
import { readJsonIfExists, writeFileAtomic } from '../system/fs.js';
import type { State } from '../state/state.js';
import type { ProcessRunner } from '../system/process.js';
import { checkRequest, type DecentralRequest } from './decentral-decide.js';
import { decentralIO, executeDecentral } from './decentral-execute.js';
import { currentDecentralRecord, DECENTRAL_DIR, decentralDir } from './decentral-registry.js';
import { permissionFromFlag } from './types.js';

const markerPath = (t: Topology) => join(t.stateDir, DECENTRAL_DIR, 'up.json');
const key = (d: DecentralizedPartySpec) => JSON.stringify([d.name, d.owners, d.threshold, d.confirmationThreshold, d.permission, d.partyToKey]);
interface Marker { daemonStartedAt: string; done: string[] }

export async function decentralConverged(t: Topology, state: State): Promise<boolean> {
  const specs = t.decentralizedParties ?? [];
  if (specs.length === 0) return true;
  const m = await readJsonIfExists<Marker>(markerPath(t)).catch(() => undefined);
  return !!m && m.daemonStartedAt === state.canton?.startedAt && specs.every((d) => m.done.includes(key(d)));
}

export async function convergeDecentral(t: Topology, state: State, runner: ProcessRunner, signal: AbortSignal | undefined, info: (line: string) => void): Promise<void> {
  const done: string[] = [];
  for (const d of t.decentralizedParties ?? []) {
    const dir = decentralDir(t, d.name);
    const rec = await currentDecentralRecord(t, state, dir);
    // The config is the owner list; a change of it goes through `party decentralize --add/--remove` (a threshold of the owners signs).
    const req: DecentralRequest = {
      name: d.name, owners: d.owners, previousOwners: rec?.owners ?? [], ...(rec?.namespace ? { namespace: rec.namespace } : {}),
      threshold: d.threshold, confirmationThreshold: d.confirmationThreshold, permission: permissionFromFlag(d.permission)!, partyToKey: d.partyToKey,
    };
    checkRequest(req, t.participants.map((p) => p.name), `parties.${d.name}.decentralized`);
    const { run, outcomes } = await executeDecentral(decentralIO({ topology: t, state, runner, signal, dir }, { info }), req, { signal, ...(state.canton?.startedAt ? { daemonStartedAt: state.canton.startedAt } : {}) });
    const changed = outcomes.some((o) => o.status === 'done' && o.id !== 'preflight' && o.id !== 'record');
    info(changed ? `${d.name} is now a decentralized party (${d.threshold} of ${d.owners.join(', ')}): ${run.record().id}` : `${d.name} is already a decentralized party of ${d.owners.join(', ')}`);
    done.push(key(d));
  }
  await writeFileAtomic(markerPath(t), JSON.stringify({ daemonStartedAt: state.canton?.startedAt ?? '', done } satisfies Marker), 0o600);
}
