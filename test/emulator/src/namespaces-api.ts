// Console members for namespace keys, delegations, decentralized namespaces and PartyToKey, with
// Canton 3.4.11's parameter lists (community/app-base/.../console/commands/TopologyAdministrationGroup.scala
// objects decentralized_namespaces :959, namespace_delegations :1086, party_to_key_mappings :1583;
// VaultAdministration.scala keys.secret.list :74 and generate_signing_key :96). The rules are in namespaces.ts.
import { type Cmd, ConsoleRuntimeError } from './api.js';
import type { Delegation, PartyToKey, VaultKey } from './namespaces.js';
import { computeNamespace } from './namespaces.js';
import { type V, type VO, enumV, is, opt, party, posint, rec, seq, show } from './values.js';

const fail = (m: string): never => { throw new ConsoleRuntimeError(m); };
const cmd = (params: string[], run: Cmd['run'], ret?: string): Cmd => ({ params, run, ret });
const prop = (run: Cmd['run'], ret?: string): Cmd => ({ run, ret });
const self = (v: V): string => String((v as VO).name);
const items = (v: V | undefined): V[] => (v === undefined ? [] : is(v, 'seq') ? (v.items as V[]) : fail(`type mismatch: expected a Seq or Set, found ${show(v)}`));
const str = (v: V | undefined): string => (v === undefined ? '' : typeof v === 'string' ? v : fail(`type mismatch: expected String, found ${show(v)}`));
const bool = (v: V | undefined, d: boolean): boolean => (v === undefined ? d : typeof v === 'boolean' ? v : fail(`type mismatch: expected Boolean, found ${show(v)}`));
const int = (v: V | undefined): number => (typeof v === 'number' ? v : is(v ?? null, 'posint') ? Number((v as VO).n) : fail(`type mismatch: expected PositiveInt, found ${show(v ?? null)}`));
const optInt = (v: V | undefined): number | undefined => (v === undefined || (is(v, 'opt') && !('v' in v)) ? undefined : is(v, 'opt') ? int(v.v as V) : int(v));
const field = (v: V, name: string): V => ((v as VO).f as Record<string, V>)[name] ?? null;
const recOf = (v: V | undefined, type: string): VO => (is(v ?? null, 'rec') && (v as VO).type === type ? (v as VO) : fail(`type mismatch: expected ${type}, found ${show(v ?? null)}`));
const storeId = (v: V | undefined): string => (is(v ?? null, 'sid') ? String((v as VO).id) : typeof v === 'string' ? v : fail(`the emulator implements this command only with store = <synchronizer id>, found ${show(v ?? null)}`));
const partyId = (v: V | undefined): string => (is(v ?? null, 'party') ? String((v as VO).id) : fail(`type mismatch: expected PartyId, found ${show(v ?? null)}`));

// The same shape as api-party.ts's signers, so `signedBy.contains(key.fingerprint)` compares equal.
export const fingerprint = (f: string): VO => rec('Fingerprint', { unwrap: f, toProtoPrimitive: f });
export const namespace = (f: string): VO => rec('Namespace', { fingerprint: fingerprint(f), toProtoPrimitive: f, filterString: f, unwrap: f, toString: f });
const keyName = (n: string): VO => rec('KeyName', { unwrap: n, toString: n });
const signingKey = (k: Pick<VaultKey, 'fingerprint'> & Partial<VaultKey>): VO => rec('SigningPublicKey', {
  fingerprint: fingerprint(k.fingerprint), id: fingerprint(k.fingerprint), usage: seq((k.usage ?? []).map((u) => enumV('SigningKeyUsage', u)), true),
});
/** A Namespace value, a Fingerprint value or its string → the fingerprint string. */
const nsString = (v: V | undefined): string => {
  if (is(v ?? null, 'rec') && ((v as VO).type === 'Namespace' || (v as VO).type === 'Fingerprint')) return String(field(v!, 'unwrap'));
  return fail(`type mismatch: expected Namespace, found ${show(v ?? null)}`);
};
const keyFp = (v: V | undefined): string => String(field(field(recOf(v, 'SigningPublicKey'), 'fingerprint'), 'unwrap'));
const usages = (v: V | undefined): string[] => items(v).map((u) => (is(u, 'enum') && (u as VO).type === 'SigningKeyUsage' ? String((u as VO).name) : fail(`type mismatch: expected SigningKeyUsage, found ${show(u)}`)));
const context = (serial: number, signedBy: string[]): VO => rec('BaseResult', { serial: posint(serial), signedBy: seq(signedBy.map(fingerprint)) });
const signed = (serial: number): VO => rec('SignedTopologyTransaction', { serial: posint(serial) });
const dndRec = (ns: string, threshold: number, owners: string[]): VO => rec('DecentralizedNamespaceDefinition', { namespace: namespace(ns), threshold: posint(threshold), owners: seq(owners.map(namespace), true) });

const rpc = (rt: Parameters<Cmd['run']>[0], node: string, op: string, a: Record<string, unknown>) => rt.host.rpc(node, op, a);
const LIST = ['store', 'proposals?', 'timeQuery?', 'operation?'];

export const NAMESPACE_PARTICIPANT: Record<string, Cmd> = {
  'keys.secret.generate_signing_key': cmd(['name?', 'usage', 'keySpec?'], async (rt, s, a) => {
    const usage = usages(a.usage);
    if (usage.length === 0) fail('java.lang.IllegalArgumentException: no signing key usage specified');
    return signingKey((await rpc(rt, self(s), 'participant.keys.generate_signing_key', { name: str(a.name), usage })) as VaultKey);
  }, 'rec:SigningPublicKey'),
  'keys.secret.list': cmd(['filterFingerprint?', 'filterName?', 'filterPurpose?', 'filterUsage?'], async (rt, s, a) => {
    const keys = (await rpc(rt, self(s), 'participant.keys.list', { filterName: str(a.filterName), filterFingerprint: str(a.filterFingerprint) })) as VaultKey[];
    // PrivateKeyMetadata (crypto/admin/grpc/PrivateKeyMetadata.scala): publicKey is a PublicKey; scripts cast it.
    return seq(keys.map((k) => rec('PrivateKeyMetadata', { publicKey: signingKey(k), id: fingerprint(k.fingerprint), name: opt(k.name ? keyName(k.name) : undefined) })));
  }, 'seq'),
  'topology.namespace_delegations.propose_delegation': cmd(['namespace', 'targetKey', 'delegationRestriction', 'store?', 'mustFullyAuthorize?', 'serial?', 'signedBy?', 'synchronize?', 'forceFlags?'], async (rt, s, a) => {
    const r = is(a.delegationRestriction ?? null, 'enum') ? String((a.delegationRestriction as VO).name) : fail(`type mismatch: expected DelegationRestriction, found ${show(a.delegationRestriction ?? null)}`);
    const d = (await rpc(rt, self(s), 'participant.topology.nsd.propose', { store: storeId(a.store), namespace: nsString(a.namespace), target: keyFp(a.targetKey), restriction: r })) as Delegation;
    return signed(d.serial);
  }, 'rec:SignedTopologyTransaction'),
  'topology.namespace_delegations.list': cmd([...LIST, 'filterNamespace?', 'filterSigningKey?', 'filterTargetKey?', 'protocolVersion?'], async (rt, s, a) => {
    const ds = (await rpc(rt, self(s), 'participant.topology.nsd.list', { store: storeId(a.store), filterNamespace: str(a.filterNamespace) })) as Delegation[];
    return seq(ds.map((d) => rec('ListNamespaceDelegationResult', { context: context(d.serial, d.signedBy), item: rec('NamespaceDelegation', { namespace: namespace(d.namespace), target: signingKey({ fingerprint: d.target }) }) })));
  }, 'seq'),
  'topology.decentralized_namespaces.list': cmd([...LIST, 'filterNamespace?', 'filterSigningKey?', 'protocolVersion?'], async (rt, s, a) => {
    const r = (await rpc(rt, self(s), 'participant.topology.dns.list', { store: storeId(a.store), filterNamespace: str(a.filterNamespace), proposals: bool(a.proposals, false) })) as Array<{ namespace: string; owners: string[]; threshold: number; serial: number; signedBy: string[] }>;
    return seq(r.map((x) => rec('ListDecentralizedNamespaceDefinitionResult', { context: context(x.serial, x.signedBy), item: dndRec(x.namespace, x.threshold, x.owners) })));
  }, 'seq'),
  // propose_new computes the namespace from the owners (TopologyAdministrationGroup.scala:1004-1040).
  'topology.decentralized_namespaces.propose_new': cmd(['owners', 'threshold', 'store', 'mustFullyAuthorize?', 'signedBy?', 'serial?', 'synchronize?'], async (rt, s, a) => {
    const owners = items(a.owners).map(nsString);
    if (owners.length === 0) fail('Proposed decentralized namespace needs at least one owner');
    const threshold = int(a.threshold);
    if (owners.length < threshold) fail(`Invalid threshold (${threshold}) for ${computeNamespace(owners)} with ${owners.length} owners`);
    const r = (await rpc(rt, self(s), 'participant.topology.dnd.propose', { store: storeId(a.store), namespace: computeNamespace(owners), owners, threshold, serial: optInt(a.serial) ?? null, mustFullyAuthorize: bool(a.mustFullyAuthorize, false) })) as { serial: number };
    return signed(r.serial);
  }, 'rec:SignedTopologyTransaction'),
  'topology.decentralized_namespaces.propose': cmd(['decentralizedNamespace', 'store', 'mustFullyAuthorize?', 'signedBy?', 'serial?', 'synchronize?'], async (rt, s, a) => {
    const d = recOf(a.decentralizedNamespace, 'DecentralizedNamespaceDefinition');
    const r = (await rpc(rt, self(s), 'participant.topology.dnd.propose', {
      store: storeId(a.store), namespace: nsString(field(d, 'namespace')), owners: items(field(d, 'owners')).map(nsString), threshold: int(field(d, 'threshold')),
      serial: optInt(a.serial) ?? null, mustFullyAuthorize: bool(a.mustFullyAuthorize, false),
    })) as { serial: number };
    return signed(r.serial);
  }, 'rec:SignedTopologyTransaction'),
  'topology.party_to_key_mappings.list': cmd([...LIST, 'filterParty?', 'filterSigningKey?', 'protocolVersion?'], async (rt, s, a) => {
    const r = (await rpc(rt, self(s), 'participant.topology.p2k.list', { store: storeId(a.store), filterParty: str(a.filterParty), proposals: bool(a.proposals, false) })) as PartyToKey[];
    return seq(r.map((m) => rec('ListPartyToKeyMappingResult', { context: context(m.serial, m.signedBy), item: rec('PartyToKeyMapping', { party: party(m.party), threshold: posint(m.threshold), signingKeys: seq(m.keys.map((k) => signingKey({ fingerprint: k }))) }) })));
  }, 'seq'),
  'topology.party_to_key_mappings.propose': cmd(['partyId', 'threshold', 'signingKeys', 'serial?', 'ops?', 'signedBy?', 'store?', 'synchronize?', 'mustFullyAuthorize?', 'force?'], async (rt, s, a) => {
    const keys = items(a.signingKeys).map(keyFp);
    if (keys.length === 0) fail('type mismatch: expected NonEmpty[Seq[SigningPublicKey]]');
    const r = (await rpc(rt, self(s), 'participant.topology.p2k.propose', { store: storeId(a.store), party: partyId(a.partyId), threshold: int(a.threshold), keys, serial: optInt(a.serial) ?? null, mustFullyAuthorize: bool(a.mustFullyAuthorize, true) })) as { serial: number };
    return signed(r.serial);
  }, 'rec:SignedTopologyTransaction'),
};

const usageSet = (...u: string[]): VO => seq(u.map((x) => enumV('SigningKeyUsage', x)), true);

/** Objects scripts name: SigningKeyUsage (crypto/Signing.scala:694-712), DelegationRestriction, DecentralizedNamespaceDefinition, PartyId (Member.scala:426). */
export const NAMESPACE_STATICS: Record<string, Record<string, Cmd>> = {
  'static:SigningKeyUsage': {
    NamespaceOnly: prop(() => usageSet('Namespace'), 'seq'), ProtocolOnly: prop(() => usageSet('Protocol'), 'seq'),
    SequencerAuthenticationOnly: prop(() => usageSet('SequencerAuthentication'), 'seq'), ProofOfOwnershipOnly: prop(() => usageSet('ProofOfOwnership'), 'seq'),
    All: prop(() => usageSet('Namespace', 'SequencerAuthentication', 'Protocol'), 'seq'),
    Namespace: prop(() => enumV('SigningKeyUsage', 'Namespace'), 'enum'), Protocol: prop(() => enumV('SigningKeyUsage', 'Protocol'), 'enum'),
  },
  'static:DelegationRestriction': {
    CanSignAllMappings: prop(() => enumV('DelegationRestriction', 'CanSignAllMappings'), 'enum'),
    CanSignAllButNamespaceDelegations: prop(() => enumV('DelegationRestriction', 'CanSignAllButNamespaceDelegations'), 'enum'),
  },
  'static:DecentralizedNamespaceDefinition': {
    computeNamespace: cmd(['owners'], (_rt, _s, a) => namespace(computeNamespace(items(a.owners).map(nsString))), 'rec:Namespace'),
    tryCreate: cmd(['decentralizedNamespace', 'threshold', 'owners'], (_rt, _s, a) => {
      const owners = items(a.owners).map(nsString);
      const ns = nsString(a.decentralizedNamespace);
      const t = int(a.threshold);
      if (owners.length < t) fail(`java.lang.IllegalArgumentException: Invalid threshold (${t}) for ${ns} with ${owners.length} owners`);
      return dndRec(ns, t, owners);
    }, 'rec:DecentralizedNamespaceDefinition'),
  },
  // Fingerprint.tryFromString: external-console.ts (one value shape for both).
  'static:PartyId': {
    tryCreate: cmd(['identifier', 'namespace'], (_rt, _s, a) => {
      const id = str(a.identifier);
      if (!/^[A-Za-z0-9:_\- ]{1,185}$/.test(id) || id.includes('::')) fail(`java.lang.IllegalArgumentException: Invalid unique identifier \`${id}\``);
      return party(`${id}::${nsString(a.namespace)}`);
    }, 'party'),
  },
};

/** `Namespace(fingerprint)` and `NonEmpty(Seq, a, b)` / `NonEmpty(Set, a, b)` (com.daml.nonempty). */
export const NAMESPACE_GLOBALS: Record<string, Cmd> = {
  Namespace: cmd(['fingerprint'], (_rt, _s, a) => namespace(nsString(a.fingerprint)), 'rec:Namespace'),
  NonEmpty: cmd(['factory', '*elems'], (_rt, _s, a) => {
    const xs = items(a.elems);
    if (xs.length === 0) fail('NonEmpty needs at least one element');
    return seq(xs, false);
  }, 'seq'),
};
