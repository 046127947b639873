/**
 * `up` and `parties.<name>.decentralized`: after readiness, create each configured decentralized party
 * with the same Workflow 3 plan as `party decentralize`. A marker keyed by the daemon's start records
 * what this daemon already has, so a re-run of `up` against the same daemon costs no console run.
 */
import type { Topology } from '../config/types.js';
import type { State } from '../state/state.js';
import type { ProcessRunner } from '../system/process.js';
import { checkRequest, type DecentralRequest } from './decentral-decide.js';
import { decentralIO, executeDecentral } from './decentral-execute.js';
import { currentDecentralRecord, decentralDir, decentralSpecKey, writeDecentralMarker } from './decentral-registry.js';
import { permissionFromFlag } from './types.js';

export async function convergeDecentral(t: Topology, state: State, runner: ProcessRunner, signal: AbortSignal | undefined, info: (line: string) => void): Promise<void> {
  const done: string[] = [];
  for (const d of t.decentralizedParties ?? []) {
    const dir = decentralDir(t, d.name);
    const rec = await currentDecentralRecord(t, state, dir);
    // The config is the owner list: a change of it is a change from the record (a threshold of the owners signs; Workflow 2 for an added owner of a used party).
    const req: DecentralRequest = {
      name: d.name, owners: d.owners, previousOwners: rec?.owners ?? [], ...(rec?.namespace ? { namespace: rec.namespace } : {}),
      threshold: d.threshold, confirmationThreshold: d.confirmationThreshold, permission: permissionFromFlag(d.permission)!, partyToKey: d.partyToKey,
    };
    checkRequest(req, t.participants.map((p) => p.name), `parties.${d.name}.decentralized`);
    const { run, outcomes } = await executeDecentral(decentralIO({ topology: t, state, runner, signal, dir }, { info }), req, { signal, ...(state.canton?.startedAt ? { daemonStartedAt: state.canton.startedAt } : {}) });
    const changed = outcomes.some((o) => o.status === 'done' && o.id !== 'preflight' && o.id !== 'record');
    info(changed ? `${d.name} is now a decentralized party (${d.threshold} of ${d.owners.join(', ')}): ${run.record().id}` : `${d.name} is already a decentralized party of ${d.owners.join(', ')}`);
    done.push(decentralSpecKey(d));
  }
  await writeDecentralMarker(t, state, done);
}
