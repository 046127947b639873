import { createHash } from 'node:crypto';
import type { Topology, UserSpec } from '../config/types.js';
import type { RenderedFile } from '../render/index.js';
import type { AppliedSpec, NodeEndpoints, State } from '../state/state.js';

/**
 * Config drift: how the config differs from what runs, decided before the plan so `up` never
 * finds out half-way (and never waits out a timeout to then stop the live ledger).
 *
 * - in place: users and their rights converge; a changed signer spec restarts the signer; new DARs
 *   are uploaded; a removed signer is stopped;
 * - refused (exit 2 within a second, nothing touched): nodes added or removed, ports, addresses,
 *   storage, synchronizer, Canton version, parties, and anything else in canton.conf or the
 *   bootstrap script, since Canton reads those only when it starts.
 */
export interface Drift {
  refused: string[];
  inPlace: string[];
}

export const DRIFT_FIX = 'Run `canton-mpc down` and then `canton-mpc up` to apply it (add --wipe to start from empty ledgers), or revert the edit.';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function signerSpecHash(t: Topology): string | undefined {
  return t.signer ? sha256(JSON.stringify(t.signer)) : undefined;
}

/** What `up` applies for this config. `sansDars` is the rendering of the same topology without DARs. */
export function desiredApplied(t: Topology, files: RenderedFile[], sansDars: RenderedFile[]): AppliedSpec {
  const file = (fs: RenderedFile[], name: string) => fs.find((f) => f.name === name)?.content ?? '';
  return {
    cantonConf: sha256(file(files, 'canton.conf')),
    bootstrap: sha256(file(sansDars, 'bootstrap.canton')),
    cantonVersion: t.canton.version,
    synchronizer: t.synchronizer.name,
    storage: Object.fromEntries([...t.sequencers, ...t.mediators, ...t.participants].map((n) => [n.name, n.storage.type])),
    parties: Object.fromEntries(t.parties.map((p) => [p.name, p.participant])),
    dars: [...t.dars],
    users: t.users.map((u) => ({ ...u })),
  };
}

function nodeDrift(was: NodeEndpoints[], now: NodeEndpoints[]): string[] {
  const out: string[] = [];
  const before = new Map(was.map((n) => [n.name, n]));
  const after = new Map(now.map((n) => [n.name, n]));
  for (const n of now) if (!before.has(n.name)) out.push(`${n.kind} ${n.name} added`);
  for (const n of was) if (!after.has(n.name)) out.push(`${n.kind} ${n.name} removed`);
  for (const n of now) {
    const b = before.get(n.name);
    if (!b) continue;
    if (b.address !== n.address) out.push(`${n.name} address ${b.address} → ${n.address}`);
    for (const [api, port] of Object.entries(n.ports)) if (b.ports[api] !== port) out.push(`${n.name} ${api} port ${b.ports[api] ?? 'none'} → ${port}`);
  }
  return out;
}

function userKey(u: UserSpec): string {
  return JSON.stringify({ p: u.participant, pp: u.primaryParty ?? null, a: [...u.actAs].sort(), r: [...u.readAs].sort(), adm: u.participantAdmin });
}

export function classifyDrift(prior: Pick<State, 'applied' | 'nodes' | 'configHash' | 'signer'>, want: { applied: AppliedSpec; nodes: NodeEndpoints[]; renderedHash: string; signerHash?: string }): Drift {
  const refused: string[] = [];
  const inPlace: string[] = [];
  const was = prior.applied;
  if (!was) {
    // A state from before drift tracking (or rebuilt from markers): only the rendered files tell.
    if (prior.configHash && prior.configHash !== want.renderedHash) refused.push('the rendered Canton configuration changed (this topology was started before canton-mpc recorded its details)');
    return { refused, inPlace };
  }
  const w = want.applied;
  if (prior.nodes.length) refused.push(...nodeDrift(prior.nodes, want.nodes));
  if (was.cantonVersion !== w.cantonVersion) refused.push(`Canton version ${was.cantonVersion} → ${w.cantonVersion}`);
  if (was.synchronizer !== w.synchronizer) refused.push(`synchronizer ${was.synchronizer} → ${w.synchronizer}`);
  for (const [node, kind] of Object.entries(w.storage)) if (was.storage[node] && was.storage[node] !== kind) refused.push(`${node} storage ${was.storage[node]} → ${kind}`);
  for (const [party, host] of Object.entries(w.parties)) {
    if (!was.parties[party]) refused.push(`party ${party} added (on ${host})`);
    else if (was.parties[party] !== host) refused.push(`party ${party} moved ${was.parties[party]} → ${host}`);
  }
  for (const party of Object.keys(was.parties)) if (!(party in w.parties)) refused.push(`party ${party} removed`);
  if (refused.length === 0 && was.cantonConf !== w.cantonConf) refused.push('canton.conf changes (e.g. canton.jvmHeap, postgres, auth or tls settings)');
  if (refused.length === 0 && was.bootstrap !== w.bootstrap) refused.push('bootstrap.canton changes');

  for (const d of w.dars) if (!was.dars.includes(d)) inPlace.push(`DAR ${d} is uploaded`);
  for (const d of was.dars) if (!w.dars.includes(d)) inPlace.push(`DAR ${d} was removed from the config; it stays on the participants (Canton cannot unload a DAR)`);
  const before = new Map((was.users ?? []).map((u) => [`${u.participant}/${u.id}`, u]));
  for (const u of w.users ?? []) {
    const b = before.get(`${u.participant}/${u.id}`);
    if (!b) inPlace.push(`user ${u.id} on ${u.participant} is created`);
    else if (userKey(b) !== userKey(u)) inPlace.push(`user ${u.id} on ${u.participant}: rights converge (missing ones are granted; extra ones are reported, never revoked)`);
  }
  const after = new Set((w.users ?? []).map((u) => `${u.participant}/${u.id}`));
  for (const [k, u] of before) if (!after.has(k)) inPlace.push(`user ${u.id} on ${u.participant} was removed from the config; it is left on the participant`);
  if (want.signerHash && prior.signer && prior.signer.specHash && prior.signer.specHash !== want.signerHash) inPlace.push('the signer spec changed: the signer is restarted');
  if (want.signerHash && !prior.signer) inPlace.push('the signer is started');
  if (!want.signerHash && prior.signer) inPlace.push('signer removed from the config: the signer is stopped');
  return { refused, inPlace };
}
