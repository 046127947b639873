// The emulator's Workflow 3 rules (namespaces.ts, namespaces-confirm.ts cite Canton's sources), on a
// synthetic synchronizer: a new decentralized namespace needs every owner, a change the threshold plus
// every added owner; nobody signs for a namespace without its delegation; a PartyToParticipant under
// it needs the owners' threshold and each new host; PartyToKey needs every new key; confirmations need
// the party's threshold of connected confirming hosts.
import { describe, expect, it } from 'vitest';
import type { Env } from './src/env.js';
import { computeNamespace, generateKey, proposeDelegation, proposeDnd, proposePartyToKey, requiredDndAuth } from './src/namespaces.js';
import { checkConfirmations } from './src/namespaces-confirm.js';
import { freshDoc, type ParticipantDoc, type SynchronizerTopology } from './src/state.js';
import { proposeP2P } from './src/topology.js';

function world(n: number) {
  const topo: SynchronizerTopology = { name: 'da', synchronizerId: 'da::1220aa', physicalId: 'da::1220aa::34-0', protocolVersion: 34, sequencers: [], mediators: [], owners: [], threshold: 1, partyToParticipant: {}, decentralizedNamespaces: {}, vettedPackages: {} };
  const ps = Array.from({ length: n }, (_, i) => {
    const p = freshDoc('participant', `participant${i + 1}`) as ParticipantDoc;
    p.connections.da = { alias: 'da', sequencer: 'sequencer1', synchronizerId: topo.synchronizerId, manualConnect: false, priority: 0, connected: true };
    return p;
  });
  const env = { participants: () => ps } as unknown as Env;
  /** Each owner's namespace key and its root delegation (Workflow 3 steps 1-2). */
  const owners = ps.map((p) => {
    const k = generateKey(p, 'ns', ['Namespace']);
    proposeDelegation(p, topo, { namespace: k.fingerprint, target: k.fingerprint, restriction: 'CanSignAllMappings' });
    return k.fingerprint;
  });
  return { topo, ps, env, owners };
}
const code = (f: () => unknown): string => {
  try { f(); } catch (e) { return (e as { code?: string }).code ?? String(e); }
  return 'ok';
};

describe('decentralized namespace definitions', () => {
  it('the first needs every owner: two of three signatures leave it a proposal', () => {
    const { topo, ps, owners } = world(3);
    const ns = computeNamespace(owners);
    const req = { namespace: ns, owners, threshold: 2 };
    expect(proposeDnd(ps[0]!, topo, req).effective).toBe(false);
    expect(proposeDnd(ps[1]!, topo, req).effective).toBe(false);
    expect(topo.decentralizedNamespaces[ns]).toBeUndefined();
    expect(proposeDnd(ps[2]!, topo, req).effective).toBe(true);
    expect(topo.decentralizedNamespaces[ns]).toMatchObject({ threshold: 2, serial: 1 });
    expect(code(() => proposeDnd(ps[0]!, topo, req))).toBe('TOPOLOGY_MAPPING_ALREADY_EXISTS');
  });
  it('a change needs the threshold of current owners plus every added owner', () => {
    const { topo, ps, owners } = world(4);
    const three = owners.slice(0, 3);
    const ns = computeNamespace(three);
    for (const p of ps.slice(0, 3)) proposeDnd(p, topo, { namespace: ns, owners: three, threshold: 2 });
    expect(requiredDndAuth(topo, ns, { owners })).toEqual([[ns], [owners[3]]]);
    const grow = { namespace: ns, owners, threshold: 2 };
    expect(proposeDnd(ps[0]!, topo, grow).effective).toBe(false);
    expect(proposeDnd(ps[1]!, topo, grow).effective).toBe(false); // threshold of current owners, new owner missing
    expect(proposeDnd(ps[3]!, topo, grow).effective).toBe(true);
    expect(topo.decentralizedNamespaces[ns]!.owners).toHaveLength(4);
  });
  it('refuses a namespace not derived from its owners, and a threshold above them', () => {
    const { topo, ps, owners } = world(2);
    expect(code(() => proposeDnd(ps[0]!, topo, { namespace: owners[0]!, owners, threshold: 2 }))).toBe('TOPOLOGY_INVALID_MAPPING');
    expect(code(() => proposeDnd(ps[0]!, topo, { namespace: computeNamespace(owners), owners, threshold: 3 }))).toBe('INVALID_ARGUMENT');
  });
  it('nobody signs for a namespace whose delegation is not published', () => {
    const { topo, ps } = world(2);
    const stray = generateKey(ps[0]!, 'other', ['Namespace']).fingerprint;
    const other = generateKey(ps[1]!, 'other', ['Namespace']).fingerprint;
    expect(code(() => proposeDnd(ps[0]!, topo, { namespace: computeNamespace([stray, other]), owners: [stray, other], threshold: 1 }))).toBe('TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE');
    const proto = generateKey(ps[0]!, 'p', ['Protocol']).fingerprint;
    expect(code(() => proposeDelegation(ps[0]!, topo, { namespace: proto, target: proto, restriction: 'CanSignAllMappings' }))).toBe('INVALID_ARGUMENT');
  });
});

describe('a party under a decentralized namespace', () => {
  const setup = () => {
    const w = world(3);
    const ns = computeNamespace(w.owners);
    for (const p of w.ps) proposeDnd(p, w.topo, { namespace: ns, owners: w.owners, threshold: 2 });
    const party = `Vault::${ns}`;
    const hosts = w.ps.map((p) => ({ participantUid: p.uid, permission: 'Confirmation' as const, onboarding: false }));
    return { ...w, ns, party, hosts };
  };
  it('PartyToParticipant needs the owners’ threshold and every new host', () => {
    const { env, topo, ps, party, hosts } = setup();
    const req = { party, participants: hosts, threshold: 2 };
    expect(proposeP2P(env, ps[0]!, topo, req).effective).toBe(false);
    expect(proposeP2P(env, ps[1]!, topo, req).effective).toBe(false); // namespace threshold met, participant3 has not agreed
    expect(proposeP2P(env, ps[2]!, topo, req).effective).toBe(true);
    expect(topo.partyToParticipant[party]).toMatchObject({ threshold: 2, serial: 1 });
  });
  it('signedBy restricts a proposal to the keys given: an owner host signing only as a participant adds no owner signature', () => {
    const { env, topo, ps, party, owners } = setup();
    const two = ps.slice(0, 2).map((p) => ({ participantUid: p.uid, permission: 'Confirmation' as const, onboarding: false }));
    for (const p of ps.slice(0, 2)) proposeP2P(env, p, topo, { party, participants: two, threshold: 1 });
    expect(topo.partyToParticipant[party]).toMatchObject({ serial: 1 });
    // participant3 joins (it holds an owner key): signing with its participant namespace only, it is one half of the change.
    const three = [...two, { participantUid: ps[2]!.uid, permission: 'Observation' as const, onboarding: true }];
    const own = proposeP2P(env, ps[2]!, topo, { party, participants: three, threshold: 1, signedBy: [ps[2]!.namespace] });
    expect(own.effective).toBe(false);
    expect(own.mapping.signedBy).toEqual([ps[2]!.namespace]);
    expect(own.mapping.signedBy).not.toContain(owners[2]);
    // A key the node does not hold (another owner's) is refused, as Canton's determineKeysToUse does.
    expect(code(() => proposeP2P(env, ps[2]!, topo, { party, participants: three, threshold: 1, signedBy: [owners[0]!] }))).toBe('TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE');
    // Two owners then reach the namespace threshold; with participant3's own signature the change is effective.
    expect(proposeP2P(env, ps[0]!, topo, { party, participants: three, threshold: 1 }).effective).toBe(false);
    expect(proposeP2P(env, ps[1]!, topo, { party, participants: three, threshold: 1 }).effective).toBe(true);
    expect(code(() => proposeP2P(env, ps[1]!, topo, { party, participants: three, threshold: 1, serial: 3 }))).toBe('TOPOLOGY_MAPPING_ALREADY_EXISTS');
  });
  it('PartyToKey needs the party’s namespace and every new key', () => {
    const { topo, ps, party } = setup();
    const keys = ps.map((p) => generateKey(p, 'proto', ['Protocol']).fingerprint);
    const req = { party, threshold: 2, keys, mustFullyAuthorize: false };
    expect(proposePartyToKey(ps[0]!, topo, req).effective).toBe(false);
    expect(proposePartyToKey(ps[1]!, topo, req).effective).toBe(false);
    expect(proposePartyToKey(ps[2]!, topo, req).effective).toBe(true);
    // One owner alone, with another owner's new key that it cannot sign for: refused when it must be fully authorized.
    const fresh = generateKey(ps[1]!, 'proto2', ['Protocol']).fingerprint;
    expect(code(() => proposePartyToKey(ps[0]!, topo, { party, threshold: 1, keys: [fresh], mustFullyAuthorize: true }))).toBe('TOPOLOGY_UNAUTHORIZED_TRANSACTION');
  });
  it('confirmation needs the threshold of connected confirming hosts', () => {
    const { env, topo, ps, party, hosts } = setup();
    for (const p of ps) proposeP2P(env, p, topo, { party, participants: hosts, threshold: 2 });
    expect(code(() => checkConfirmations(env, topo, [party]))).toBe('ok');
    ps[2]!.connections.da!.connected = false;
    expect(code(() => checkConfirmations(env, topo, [party]))).toBe('ok');
    ps[1]!.connections.da!.connected = false;
    expect(code(() => checkConfirmations(env, topo, [party]))).toBe('MEDIATOR_SAYS_TX_TIMED_OUT');
    expect(code(() => checkConfirmations(env, topo, ['Someone::1220ff']))).toBe('ok');
  });
});
