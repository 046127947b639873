// Namespaces, keys and the mappings of a decentralized party (Party Mobility Workflow 3): the node side.
// Rules from Canton 3.4 (release-line-3.4 a904e34):
//  - keys: `keys.secret.generate_signing_key(name, usage)` stores a key pair in the node's vault; an empty
//    usage is refused (community/app-base/.../console/commands/VaultAdministration.scala:96-107);
//  - NamespaceDelegation: required auth is the delegated namespace (`requiredAuth`, TopologyMapping.scala:531);
//    its target key must carry the Namespace usage (NamespaceDelegation.create, TopologyMapping.scala:569-571);
//    a root certificate (namespace == target fingerprint) is signed by that very key; a namespace that is a
//    decentralized one cannot get a delegation, nor the reverse (TopologyMappingChecks.scala:865-935,
//    TOPOLOGY_NAMESPACE_ALREADY_IN_USE);
//  - DecentralizedNamespaceDefinition: the first one needs EVERY owner's signature, a later one the
//    current threshold of owners (the namespace itself) plus every ADDED owner (`requiredAuth`,
//    TopologyMapping.scala:677-692); threshold <= owners (`create`, :714-724); the first definition's
//    namespace must be derived from its owners (TopologyMappingChecks.scala:850-863);
//  - PartyToKeyMapping: the party's namespace AND every new signing key (proof of ownership)
//    (`requiredAuth`, TopologyMapping.scala:937-945);
//  - signing: a node signs with every key it holds that the transaction needs; a node holding none is
//    TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE (TopologyManager.scala:744-761, TopologyManagerError.scala:311);
//    with mustFullyAuthorize and missing signatures the proposal is refused (TopologyManager.scala).
// A signature is recorded as the fingerprint of the key that made it; a namespace's root key has the
// namespace's fingerprint, so "signed by namespace N" and "signed by key N" are the same string here.
import { createHash } from 'node:crypto';
import type { Env } from './env.js';
import { CantonError } from './errors.js';
import { storeOf } from './ops-party.js';
import type { ParticipantDoc, SynchronizerTopology } from './state.js';
import { newFingerprint } from './state.js';
import { isAuthorized, namespaceOf } from './topology.js';

type A = Record<string, unknown>;
const s = (v: unknown): string => String(v ?? '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export interface VaultKey { fingerprint: string; name: string; usage: string[] }
export interface Delegation { namespace: string; target: string; restriction: string; serial: number; signedBy: string[] }
export interface Dnd { owners: string[]; threshold: number; serial: number; signedBy?: string[] }
export interface PartyToKey { party: string; threshold: number; keys: string[]; serial: number; signedBy: string[] }

/** The optional parts of the state documents this file owns (absent in documents written before). */
export type WithVault = ParticipantDoc & { vault?: Record<string, VaultKey> };
export type WithNamespaces = SynchronizerTopology & {
  namespaceDelegations?: Record<string, Delegation[]>;
  dndProposals?: Record<string, Dnd[]>;
  partyToKey?: Record<string, PartyToKey>;
  p2kProposals?: Record<string, PartyToKey[]>;
};

const vault = (p: ParticipantDoc): Record<string, VaultKey> => ((p as WithVault).vault ??= {});
const nsOf = (t: SynchronizerTopology): WithNamespaces => t as WithNamespaces;

/** DecentralizedNamespaceDefinition.computeNamespace: a hash over the sorted owner fingerprints. */
export function computeNamespace(owners: string[]): string {
  const h = createHash('sha256').update('DecentralizedNamespaceNamespace');
  for (const o of [...owners].sort()) h.update(o);
  return '1220' + h.digest('hex');
}

/** Namespaces whose root certificate (or a delegation to one of p's keys) lets p's keys sign for them. */
function delegatedTo(p: ParticipantDoc, t: SynchronizerTopology): string[] {
  const keys = vault(p);
  return Object.entries(nsOf(t).namespaceDelegations ?? {}).filter(([, ds]) => ds.some((d) => keys[d.target]?.usage.includes('Namespace'))).map(([ns]) => ns);
}

/** Every namespace participant p can sign for on topology t: its own, and its delegated keys'. */
export function signingNamespaces(p: ParticipantDoc, t: SynchronizerTopology): string[] {
  return [...new Set([p.namespace, ...delegatedTo(p, t)])];
}

/** Of `needed` namespaces (a DND counts through its owners), those p can contribute a signature to. */
function contributes(p: ParticipantDoc, t: SynchronizerTopology, needed: string[]): string[] {
  const mine = signingNamespaces(p, t);
  const expand = (ns: string): string[] => [ns, ...(t.decentralizedNamespaces[ns]?.owners ?? [])];
  return mine.filter((m) => needed.some((n) => expand(n).includes(m)));
}

const noKey = (what: string): never => {
  throw new CantonError('TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE', 11, `Could not find an appropriate signing key to issue the topology transaction (${what})`);
};

function connected(p: ParticipantDoc, t: SynchronizerTopology): void {
  if (!Object.values(p.connections).some((c) => c.connected && c.synchronizerId === t.synchronizerId)) {
    // As in topology.ts: Canton cannot submit a topology transaction to a synchronizer it is not connected to.
    throw new CantonError('SYNCHRONIZER_NOT_CONNECTED', 9, `Participant ${p.uid} is not connected to synchronizer ${t.synchronizerId}; the topology transaction cannot be submitted`);
  }
}

// ------------------------------------------------------------------------------------------ keys
export function generateKey(p: ParticipantDoc, name: string, usage: string[]): VaultKey {
  if (usage.length === 0) throw new CantonError('INVALID_ARGUMENT', 8, 'no signing key usage specified');
  const k: VaultKey = { fingerprint: newFingerprint(), name, usage: [...new Set(usage)] };
  vault(p)[k.fingerprint] = k;
  return k;
}

export function listKeys(p: ParticipantDoc, q: { filterName?: string; filterFingerprint?: string }): VaultKey[] {
  return Object.values(vault(p)).filter((k) => k.name.startsWith(q.filterName ?? '') && k.fingerprint.startsWith(q.filterFingerprint ?? ''));
}

// ------------------------------------------------------------------------ namespace delegations
export function proposeDelegation(p: ParticipantDoc, t: SynchronizerTopology, req: { namespace: string; target: string; restriction: string }): Delegation {
  connected(p, t);
  const key = vault(p)[req.target];
  if (key && !key.usage.includes('Namespace')) throw new CantonError('INVALID_ARGUMENT', 8, `The key ${req.target} must include a Namespace usage.`);
  if (t.decentralizedNamespaces[req.namespace]) throw new CantonError('TOPOLOGY_NAMESPACE_ALREADY_IN_USE', 9, `The namespace ${req.namespace} is already used by another entity.`);
  const all = (nsOf(t).namespaceDelegations ??= {});
  const list = (all[req.namespace] ??= []);
  const existing = list.find((d) => d.target === req.target);
  if (existing && existing.restriction === req.restriction) throw new CantonError('TOPOLOGY_MAPPING_ALREADY_EXISTS', 10, 'A matching topology mapping authorized with the same keys already exists in this state', { existing: req.namespace });
  // A root certificate is signed by its own key; any other delegation by a key already authorized for the namespace.
  const root = req.namespace === req.target;
  const can = root ? key !== undefined : signingNamespaces(p, t).includes(req.namespace);
  if (!can) noKey(`namespace delegation for ${req.namespace}`);
  const d: Delegation = { namespace: req.namespace, target: req.target, restriction: req.restriction, serial: (existing?.serial ?? 0) + 1, signedBy: [root ? req.target : req.namespace] };
  if (existing) list.splice(list.indexOf(existing), 1, d);
  else list.push(d);
  return d;
}

export function listDelegations(t: SynchronizerTopology, q: { filterNamespace?: string }): Delegation[] {
  return Object.entries(nsOf(t).namespaceDelegations ?? {}).filter(([ns]) => ns.startsWith(q.filterNamespace ?? '')).flatMap(([, ds]) => ds);
}

// --------------------------------------------------------------------- decentralized namespaces
export function requiredDndAuth(t: SynchronizerTopology, ns: string, next: { owners: string[] }): string[][] {
  const prev = t.decentralizedNamespaces[ns];
  if (!prev) return next.owners.map((o) => [o]);
  const added = next.owners.filter((o) => !prev.owners.includes(o));
  return [[ns], ...added.map((o) => [o])];
}

export function proposeDnd(p: ParticipantDoc, t: SynchronizerTopology, req: { namespace: string; owners: string[]; threshold: number; serial?: number; mustFullyAuthorize?: boolean }): { serial: number; effective: boolean } {
  connected(p, t);
  const owners = [...new Set(req.owners)].sort();
  if (owners.length === 0) throw new CantonError('INVALID_ARGUMENT', 8, 'Proposed decentralized namespace needs at least one owner');
  if (req.threshold < 1 || req.threshold > owners.length) throw new CantonError('INVALID_ARGUMENT', 8, `Invalid threshold (${req.threshold}) for ${req.namespace} with ${owners.length} owners`);
  const prev = t.decentralizedNamespaces[req.namespace];
  if (!prev && req.namespace !== computeNamespace(owners)) {
    throw new CantonError('TOPOLOGY_INVALID_MAPPING', 8, `The topology transaction is invalid: The decentralized namespace ${req.namespace} is not derived from the owners ${owners.join(', ')}`);
  }
  const dns = t.decentralizedNamespaces;
  const bad = owners.filter((o) => dns[o]);
  if (bad.length > 0) throw new CantonError('TOPOLOGY_INVALID_MAPPING', 8, `The topology transaction is invalid: decentralized namespaces cannot be owners of a decentralized namespace: ${bad.join(', ')}`);
  if ((nsOf(t).namespaceDelegations ?? {})[req.namespace]?.length) throw new CantonError('TOPOLOGY_NAMESPACE_ALREADY_IN_USE', 9, `The namespace ${req.namespace} is already used by another entity.`);
  const same = prev && prev.threshold === req.threshold && prev.owners.join() === owners.join();
  const needed = requiredDndAuth(t, req.namespace, { owners }).flat();
  const mine = contributes(p, t, needed);
  if (mine.length === 0) noKey(`decentralized namespace ${req.namespace}`);
  if (same) throw new CantonError('TOPOLOGY_MAPPING_ALREADY_EXISTS', 10, 'A matching topology mapping authorized with the same keys already exists in this state', { existing: req.namespace });
  const next = (prev?.serial ?? 0) + 1;
  if (req.serial !== undefined && req.serial !== next) throw new CantonError('TOPOLOGY_SERIAL_MISMATCH', 9, `The given serial Some(${req.serial}) did not match the actual serial Some(${next}).`);
  const props = (nsOf(t).dndProposals ??= {});
  const list = (props[req.namespace] ??= []);
  let prop = list.find((x) => x.serial === next && x.threshold === req.threshold && x.owners.join() === owners.join());
  if (!prop) list.push((prop = { owners, threshold: req.threshold, serial: next, signedBy: [] }));
  for (const m of mine) if (!prop.signedBy!.includes(m)) prop.signedBy!.push(m);
  const effective = isAuthorized(t, requiredDndAuth(t, req.namespace, { owners }).map((c) => [c]), prop.signedBy!);
  if (!effective) {
    if (req.mustFullyAuthorize) { list.splice(list.indexOf(prop), 1); throw new CantonError('TOPOLOGY_UNAUTHORIZED_TRANSACTION', 9, 'Topology transaction is not fully authorized'); }
    return { serial: next, effective: false };
  }
  dns[req.namespace] = { owners, threshold: req.threshold, serial: next };
  props[req.namespace] = list.filter((x) => x.serial > next);
  if (props[req.namespace]!.length === 0) delete props[req.namespace];
  return { serial: next, effective: true };
}

export function listDnd(t: SynchronizerTopology, q: { filterNamespace?: string; proposals?: boolean }): Array<{ namespace: string; owners: string[]; threshold: number; serial: number; signedBy: string[] }> {
  const f = q.filterNamespace ?? '';
  if (q.proposals) return Object.entries(nsOf(t).dndProposals ?? {}).filter(([ns]) => ns.startsWith(f)).flatMap(([ns, ps]) => ps.map((x) => ({ namespace: ns, owners: x.owners, threshold: x.threshold, serial: x.serial, signedBy: x.signedBy ?? [] })));
  return Object.entries(t.decentralizedNamespaces).filter(([ns]) => ns.startsWith(f)).map(([ns, d]) => ({ namespace: ns, owners: d.owners, threshold: d.threshold, serial: d.serial, signedBy: d.owners }));
}

// --------------------------------------------------------------------------------- party to key
export function proposePartyToKey(p: ParticipantDoc, t: SynchronizerTopology, req: { party: string; threshold: number; keys: string[]; serial?: number; mustFullyAuthorize: boolean }): { serial: number; effective: boolean } {
  connected(p, t);
  const keys = [...new Set(req.keys)].sort();
  if (req.threshold < 1 || req.threshold > keys.length) throw new CantonError('TOPOLOGY_INVALID_MAPPING', 8, `The topology transaction is invalid: Party ${req.party} cannot meet threshold of ${req.threshold} signing keys with ${keys.length} keys`);
  const all = (nsOf(t).partyToKey ??= {});
  const prev = all[req.party];
  const newKeys = keys.filter((k) => !(prev?.keys ?? []).includes(k));
  const partyNs = namespaceOf(req.party);
  const mineNs = contributes(p, t, [partyNs]);
  const mineKeys = newKeys.filter((k) => vault(p)[k] !== undefined);
  if (mineNs.length === 0 && mineKeys.length === 0) noKey(`party to key mapping of ${req.party}`);
  if (prev && prev.threshold === req.threshold && prev.keys.join() === keys.join()) throw new CantonError('TOPOLOGY_MAPPING_ALREADY_EXISTS', 10, 'A matching topology mapping authorized with the same keys already exists in this state', { existing: req.party });
  const next = (prev?.serial ?? 0) + 1;
  if (req.serial !== undefined && req.serial !== next) throw new CantonError('TOPOLOGY_SERIAL_MISMATCH', 9, `The given serial Some(${req.serial}) did not match the actual serial Some(${next}).`);
  const props = (nsOf(t).p2kProposals ??= {});
  const list = (props[req.party] ??= []);
  let prop = list.find((x) => x.serial === next && x.threshold === req.threshold && x.keys.join() === keys.join());
  if (!prop) list.push((prop = { party: req.party, threshold: req.threshold, keys, serial: next, signedBy: [] }));
  for (const m of [...mineNs, ...mineKeys]) if (!prop.signedBy.includes(m)) prop.signedBy.push(m);
  const effective = isAuthorized(t, [[[partyNs]], ...newKeys.map((k) => [[k]])], prop.signedBy);
  if (!effective) {
    if (req.mustFullyAuthorize) { list.splice(list.indexOf(prop), 1); throw new CantonError('TOPOLOGY_UNAUTHORIZED_TRANSACTION', 9, 'Topology transaction is not fully authorized'); }
    return { serial: next, effective: false };
  }
  all[req.party] = prop;
  props[req.party] = list.filter((x) => x.serial > next);
  if (props[req.party]!.length === 0) delete props[req.party];
  return { serial: next, effective: true };
}

export function listPartyToKey(t: SynchronizerTopology, q: { filterParty?: string; proposals?: boolean }): PartyToKey[] {
  const rows = q.proposals ? Object.values(nsOf(t).p2kProposals ?? {}).flat() : Object.values(nsOf(t).partyToKey ?? {});
  return rows.filter((m) => m.party.startsWith(q.filterParty ?? ''));
}

// --------------------------------------------------------------------------------------- the ops
const topo = (env: Env, node: string, a: A) => ({ p: env.participant(node), t: storeOf(env, env.participant(node), a.store) });

export const NAMESPACE_OPS: Record<string, (env: Env, node: string, a: A) => unknown> = {
  'participant.keys.generate_signing_key': (env, node, a) => generateKey(env.participant(node), s(a.name), strs(a.usage)),
  'participant.keys.list': (env, node, a) => listKeys(env.participant(node), { filterName: s(a.filterName), filterFingerprint: s(a.filterFingerprint) }),
  'participant.topology.nsd.propose': (env, node, a) => { const { p, t } = topo(env, node, a); return proposeDelegation(p, t, { namespace: s(a.namespace), target: s(a.target), restriction: s(a.restriction) }); },
  'participant.topology.nsd.list': (env, node, a) => listDelegations(topo(env, node, a).t, { filterNamespace: s(a.filterNamespace) }),
  'participant.topology.dnd.propose': (env, node, a) => {
    const { p, t } = topo(env, node, a);
    return proposeDnd(p, t, { namespace: s(a.namespace), owners: strs(a.owners), threshold: Number(a.threshold), serial: a.serial === undefined || a.serial === null ? undefined : Number(a.serial), mustFullyAuthorize: a.mustFullyAuthorize === true });
  },
  'participant.topology.dns.list': (env, node, a) => listDnd(topo(env, node, a).t, { filterNamespace: s(a.filterNamespace), proposals: a.proposals === true }),
  'participant.topology.p2k.propose': (env, node, a) => {
    const { p, t } = topo(env, node, a);
    return proposePartyToKey(p, t, { party: s(a.party), threshold: Number(a.threshold), keys: strs(a.keys), serial: a.serial === undefined || a.serial === null ? undefined : Number(a.serial), mustFullyAuthorize: a.mustFullyAuthorize !== false });
  },
  'participant.topology.p2k.list': (env, node, a) => listPartyToKey(topo(env, node, a).t, { filterParty: s(a.filterParty), proposals: a.proposals === true }),
};

export const NAMESPACE_READ_ONLY = ['participant.keys.list', 'participant.topology.nsd.list', 'participant.topology.dns.list', 'participant.topology.p2k.list'];

/**
 * The signatures participant p adds to a PartyToParticipant proposal: every namespace it can sign for
 * among the party's (a decentralized one through its owners) and the hosting participants'.
 */
export function p2pSigners(p: ParticipantDoc, t: SynchronizerTopology, party: string, hosts: string[]): string[] {
  const needed = [namespaceOf(party), ...hosts.map(namespaceOf)];
  const mine = contributes(p, t, needed);
  return mine.includes(p.namespace) ? mine : [p.namespace, ...mine];
}
