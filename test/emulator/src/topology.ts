// PartyToParticipant topology: proposals, signatures and the rule that decides when a proposal
// becomes the effective mapping. Taken from Canton 3.4 (release-line-3.4 a904e34):
//  - authorization: `PartyToParticipant.requiredAuthInternal` in
//    community/base/src/main/scala/com/digitalasset/canton/topology/transaction/TopologyMapping.scala
//    (added participants: party AND each added participant; removed: party OR participant; permission
//    upgrade: party AND participant; downgrade: party OR participant; onboarding flag set: party;
//    cleared: participant; threshold change: party);
//  - serials and duplicates: `TopologyManager.build` / `signTransaction` in
//    community/base/src/main/scala/com/digitalasset/canton/topology/TopologyManager.scala
//    (the same mapping again: TOPOLOGY_MAPPING_ALREADY_EXISTS; a serial other than current+1:
//    TOPOLOGY_SERIAL_MISMATCH);
//  - new hosts must be members of the synchronizer (`checkPartyToParticipant`, TopologyMappingChecks.scala:
//    TOPOLOGY_UNKNOWN_MEMBERS);
//  - an external party is never hosted with Submission (ExternalPartyOnboardingDetails.scala:58; the
//    Party Mobility runbook says the same of its replication).
// A node signs with its own namespace key only (a local party lives in its participant's namespace);
// a decentralized namespace is satisfied by `threshold` of its owners' signatures.
import { CantonError } from './errors.js';
import type { Env } from './env.js';
import { p2pSigners } from './namespaces.js';
import type { HostingParticipant, ParticipantDoc, PartyToParticipant, Permission, SynchronizerTopology } from './state.js';

const RANK: Record<Permission, number> = { Observation: 1, Confirmation: 2, Submission: 3 };
export const namespaceOf = (id: string): string => id.split('::')[1] ?? '';

/** One required authorization: any of the alternatives, each a set of namespaces that must all sign. */
type Clause = string[][];

export function requiredAuth(prev: PartyToParticipant | undefined, next: Pick<PartyToParticipant, 'party' | 'threshold' | 'participants'>): Clause[] {
  const party = namespaceOf(next.party);
  const out: Clause[] = [];
  if (!prev || prev.threshold !== next.threshold) out.push([[party]]);
  const before = new Map((prev?.participants ?? []).map((h) => [h.participantUid, h]));
  const after = new Map(next.participants.map((h) => [h.participantUid, h]));
  const added = [...after.keys()].filter((u) => !before.has(u));
  if (added.length > 0) out.push([[party, ...added.map(namespaceOf)]]);
  for (const [uid, a] of after) {
    const b = before.get(uid);
    if (!b) continue;
    if (b.onboarding && !a.onboarding) out.push([[namespaceOf(uid)]]);
    if (!b.onboarding && a.onboarding) out.push([[party]]);
    if (RANK[b.permission] < RANK[a.permission]) out.push([[party, namespaceOf(uid)]]);
    if (RANK[b.permission] > RANK[a.permission]) out.push([[party], [namespaceOf(uid)]]);
  }
  for (const uid of before.keys()) if (!after.has(uid)) out.push([[party], [namespaceOf(uid)]]);
  return out.length > 0 ? out : [[[party, ...added.map(namespaceOf)]]];
}

function signs(topo: SynchronizerTopology, ns: string, signers: Set<string>): boolean {
  if (signers.has(ns)) return true;
  const d = topo.decentralizedNamespaces[ns];
  return d !== undefined && d.owners.filter((o) => signers.has(o)).length >= d.threshold;
}

export function isAuthorized(topo: SynchronizerTopology, clauses: Clause[], signedBy: string[]): boolean {
  const signers = new Set(signedBy);
  return clauses.every((alts) => alts.some((all) => all.every((ns) => signs(topo, ns, signers))));
}

const sameMapping = (a: Pick<PartyToParticipant, 'threshold' | 'participants'>, b: Pick<PartyToParticipant, 'threshold' | 'participants'>): boolean => {
  if (a.threshold !== b.threshold || a.participants.length !== b.participants.length) return false;
  const key = (h: HostingParticipant) => `${h.participantUid}|${h.permission}|${h.onboarding}`;
  const bs = new Set(b.participants.map(key));
  return a.participants.every((h) => bs.has(key(h)));
};

export interface ProposeRequest {
  party: string;
  participants: HostingParticipant[];
  threshold: number;
  serial?: number;
  mustFullyAuthorize?: boolean;
  /** Fingerprints of an external party's keys, on its first mapping only. */
  signingKeys?: string[];
  /** `signedBy`: the keys to sign with; absent, the node picks every key it holds that the mapping needs. */
  signedBy?: string[];
}

export interface ProposeResult { serial: number; effective: boolean; mapping: PartyToParticipant }

/** A PartyToParticipant proposal from participant `p` (signing with its namespace) to `topo`'s store. */
export function proposeP2P(env: Env, p: ParticipantDoc, topo: SynchronizerTopology, req: ProposeRequest): ProposeResult {
  if (!Object.values(p.connections).some((c) => c.connected && c.synchronizerId === topo.synchronizerId)) {
    // The emulator's approximation: Canton queues the write for a connection that is not there.
    throw new CantonError('SYNCHRONIZER_NOT_CONNECTED', 9, `Participant ${p.uid} is not connected to synchronizer ${topo.synchronizerId}; the topology transaction cannot be submitted`);
  }
  if (req.participants.length === 0) throw new CantonError('TOPOLOGY_INVALID_TOPOLOGY_MAPPING', 8, 'The topology transaction is invalid: a PartyToParticipant mapping needs at least one participant');
  const confirming = req.participants.filter((h) => h.permission !== 'Observation').length;
  if (req.threshold < 1 || req.threshold > Math.max(confirming, 1)) {
    throw new CantonError('TOPOLOGY_INVALID_TOPOLOGY_MAPPING', 8, `The topology transaction is invalid: Party ${req.party} cannot meet threshold of ${req.threshold} confirming participants with participants ${req.participants.map((h) => `PAR::${h.participantUid}`).join(', ')}`);
  }
  const existing = topo.partyToParticipant[req.party];
  const signingKeys = existing?.signingKeys ?? req.signingKeys;
  if (signingKeys && signingKeys.length > 0 && req.participants.some((h) => h.permission === 'Submission')) {
    throw new CantonError('TOPOLOGY_INVALID_TOPOLOGY_MAPPING', 8, 'The topology transaction is invalid: External party cannot be hosted with Submission permission');
  }
  // Its own namespace plus the owner namespaces of a decentralized party it holds keys for (namespaces.ts).
  const usable = p2pSigners(p, topo, req.party, req.participants.map((h) => h.participantUid));
  // Explicit keys must be ones this node holds and the mapping can use (TopologyManager.determineKeysToUse,
  // TopologyManager.scala:722-745: NoAppropriateSigningKeyInStore otherwise).
  const unusable = (req.signedBy ?? []).filter((k) => !usable.includes(k));
  if (unusable.length > 0) throw new CantonError('TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE', 11, `Could not find an appropriate signing key to issue the topology transaction: ${unusable.join(', ')} cannot sign it on ${p.uid}`);
  const signers = req.signedBy && req.signedBy.length > 0 ? req.signedBy : usable;
  if (existing && sameMapping(existing, req)) {
    if ((req.serial !== undefined && req.serial !== existing.serial) || signers.every((x) => (existing.signedBy ?? []).includes(x))) {
      throw new CantonError('TOPOLOGY_MAPPING_ALREADY_EXISTS', 10, 'A matching topology mapping authorized with the same keys already exists in this state', { existing: req.party });
    }
    existing.signedBy = [...new Set([...(existing.signedBy ?? []), ...signers])];
    return { serial: existing.serial, effective: true, mapping: existing };
  }
  const next = (existing?.serial ?? 0) + 1;
  if (req.serial !== undefined && req.serial !== next) {
    throw new CantonError('TOPOLOGY_SERIAL_MISMATCH', 9, `The given serial Some(${req.serial}) did not match the actual serial Some(${next}).`);
  }
  const before = new Set((existing?.participants ?? []).map((h) => h.participantUid));
  const members = new Set(env.participants().filter((q) => Object.values(q.connections).some((c) => c.synchronizerId === topo.synchronizerId)).map((q) => q.uid));
  const unknown = req.participants.map((h) => h.participantUid).filter((u) => !before.has(u) && !members.has(u));
  if (unknown.length > 0) throw new CantonError('TOPOLOGY_UNKNOWN_MEMBERS', 11, `Members ${unknown.map((u) => `PAR::${u}`).sort().join(', ')} are unknown.`);

  const proposals = (topo.p2pProposals ??= {});
  const list = (proposals[req.party] ??= []);
  let prop = list.find((x) => x.serial === next && sameMapping(x, req));
  if (prop) {
    // The same proposal again from the same node adds no signature: Canton keeps it as it is.
    for (const x of signers) if (!prop.signedBy!.includes(x)) prop.signedBy!.push(x);
  } else {
    prop = { party: req.party, threshold: req.threshold, participants: req.participants.map((h) => ({ ...h })), serial: next, signedBy: [...signers], ...(signingKeys ? { signingKeys } : {}) };
    list.push(prop);
  }
  const effective = isAuthorized(topo, requiredAuth(existing, prop), prop.signedBy!);
  if (!effective) {
    if (req.mustFullyAuthorize) {
      list.splice(list.indexOf(prop), 1);
      throw new CantonError('TOPOLOGY_UNAUTHORIZED_TRANSACTION', 9, 'Topology transaction is not fully authorized');
    }
    return { serial: next, effective: false, mapping: prop };
  }
  topo.partyToParticipant[req.party] = prop;
  proposals[req.party] = list.filter((x) => x.serial > next);
  if (proposals[req.party]!.length === 0) delete proposals[req.party];
  // A hosting change is a topology event on the ledger of every participant that hosts (or hosted) the party.
  const touched = new Set([...before, ...prop.participants.map((h) => h.participantUid)]);
  for (const q of env.participants()) if (touched.has(q.uid)) q.offset += 1;
  return { serial: next, effective: true, mapping: prop };
}

export interface ListedMapping { party: string; synchronizerId: string; serial: number; threshold: number; participants: HostingParticipant[]; signedBy: string[]; external: boolean }

/** `topology.party_to_participant_mappings.list`: effective mappings, or open proposals with `proposals`. */
export function listP2P(topo: SynchronizerTopology, q: { proposals?: boolean; filterParty?: string; filterParticipant?: string }): ListedMapping[] {
  const rows = q.proposals ? Object.values(topo.p2pProposals ?? {}).flat() : Object.values(topo.partyToParticipant);
  return rows
    .filter((m) => !q.filterParty || m.party.startsWith(q.filterParty))
    .filter((m) => !q.filterParticipant || m.participants.some((h) => h.participantUid.startsWith(q.filterParticipant!.replace(/^PAR::/, ''))))
    .map((m) => ({ party: m.party, synchronizerId: topo.synchronizerId, serial: m.serial, threshold: m.threshold, participants: m.participants, signedBy: m.signedBy ?? [], external: (m.signingKeys ?? []).length > 0 }));
}
