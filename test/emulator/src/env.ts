// The daemon's in-process world: every local node's state document and store, plus the ledger
// operations that both the JSON API and the console (local or via admin JSON-RPC) use, so the two
// surfaces can never disagree about what a party, user or contract is.
import { createHash, randomBytes } from 'node:crypto';
import type { CantonCfg, NodeCfg } from './config.js';
import { CantonError, err } from './errors.js';
import { bootstrapSynchronizer, type BootstrapArgs } from './synchronizer.js';
import { proposeP2P } from './topology.js';
import { checkConfirmations } from './namespaces-confirm.js';
import { newOrphanExternalKey } from './external.js';
import { logUpdate } from './updates.js';
import {
  type Contract, type NodeDoc, type NodeStore, type ParticipantDoc, type Permission, type RightJson, type SequencerDoc,
  type SynchronizerTopology, type UserRec, freshDoc, memoryStore, postgresStore,
} from './state.js';

export const PROTOCOL_VERSION = 34;
const PARTY_RE = /^[A-Za-z0-9:_\- ]+::1220[0-9a-f]{64}$/;
const ID_RE = /^[A-Za-z0-9:\-_ #@|.]{1,255}$/; // ledger string for user ids / party hints (simplified)

export class Env {
  readonly docs = new Map<string, NodeDoc>();
  readonly stores = new Map<string, NodeStore>();
  ready = false;
  constructor(readonly cfg: CantonCfg) {}

  nodeCfg(name: string): NodeCfg | undefined { return this.cfg.nodes.find((n) => n.name === name); }

  /** Opens the node's storage and loads (or creates) its document. Throws to fail the node's start. */
  async openNode(n: NodeCfg): Promise<void> {
    const store = n.storage.type === 'postgres' ? await postgresStore(n.name, n.storage) : memoryStore();
    this.stores.set(n.name, store);
    const doc = (await store.load()) ?? freshDoc(n.kind, n.name);
    this.docs.set(n.name, doc);
    await store.save(doc);
  }

  async save(...names: string[]): Promise<void> {
    const list = names.length > 0 ? names : [...this.docs.keys()];
    await Promise.all(list.map((n) => { const d = this.docs.get(n); const s = this.stores.get(n); return d && s ? s.save(d) : undefined; }));
  }

  async closeStores(): Promise<void> { await Promise.all([...this.stores.values()].map((s) => s.close())); }

  participant(name: string): ParticipantDoc {
    const d = this.docs.get(name);
    if (!d || d.kind !== 'participant') throw new CantonError('NODE_NOT_FOUND', 11, `participant ${name} is not a local node of this process`);
    return d;
  }
  sequencer(name: string): SequencerDoc {
    const d = this.docs.get(name);
    if (!d || d.kind !== 'sequencer') throw new CantonError('NODE_NOT_FOUND', 11, `sequencer ${name} is not a local node of this process`);
    return d;
  }
  participants(): ParticipantDoc[] { return [...this.docs.values()].filter((d): d is ParticipantDoc => d.kind === 'participant'); }

  // ---------------------------------------------------------------- synchronizers and topology
  /** The rules are Canton's, in synchronizer.ts. */
  bootstrapSynchronizer(a: BootstrapArgs): { id: string; already: boolean } { return bootstrapSynchronizer(this, a); }

  /** The topology object of the synchronizer that a participant's connection points at. */
  topologyOf(sequencerName: string): SynchronizerTopology | null {
    const d = this.docs.get(sequencerName);
    return d?.kind === 'sequencer' ? d.synchronizer : null;
  }

  connectLocal(p: ParticipantDoc, sequencer: string, alias: string, manualConnect: boolean): void {
    const topo = this.topologyOf(sequencer);
    if (!this.docs.has(sequencer)) throw new CantonError('SEQUENCER_NOT_FOUND', 11, `Sequencer ${sequencer} is not known to this process`);
    if (!topo) throw new CantonError('SEQUENCER_NOT_INITIALIZED', 9, `Request failed for ${p.name}: sequencer ${sequencer} has not been initialized (run bootstrap.synchronizer first)`);
    const prev = p.connections[alias];
    if (prev && prev.synchronizerId !== topo.synchronizerId) throw new CantonError('SYNCHRONIZER_ALIAS_DUPLICATION', 9, `The synchronizer alias ${alias} is already used for ${prev.synchronizerId}`);
    p.connections[alias] = { alias, sequencer, synchronizerId: topo.synchronizerId, manualConnect, priority: 0, connected: true };
    topo.vettedPackages[p.uid] = Object.keys(p.packages);
  }

  connectedTopologies(p: ParticipantDoc): SynchronizerTopology[] {
    return Object.values(p.connections).filter((c) => c.connected).map((c) => this.topologyOf(c.sequencer)).filter((t): t is SynchronizerTopology => t !== null);
  }
  registeredTopologies(p: ParticipantDoc): SynchronizerTopology[] {
    return Object.values(p.connections).map((c) => this.topologyOf(c.sequencer)).filter((t): t is SynchronizerTopology => t !== null);
  }

  /** Parties hosted by `p` on any synchronizer it is registered with, with their permission. */
  hostedParties(p: ParticipantDoc): Map<string, Permission> {
    const out = new Map<string, Permission>();
    for (const t of this.registeredTopologies(p)) {
      for (const m of Object.values(t.partyToParticipant)) {
        const h = m.participants.find((x) => x.participantUid === p.uid);
        if (h) out.set(m.party, h.permission);
      }
    }
    return out;
  }
  knownParties(p: ParticipantDoc): string[] {
    const s = new Set<string>();
    for (const t of this.registeredTopologies(p)) for (const k of Object.keys(t.partyToParticipant)) s.add(k);
    return [...s].sort();
  }

  /**
   * parties.enable / POST /v2/parties: a local party in the participant's namespace, as a PartyToParticipant
   * proposal `{p: Submission}` with the next serial that must be fully authorized (PartiesAdministration
   * `runPartyCommand`). On a name that exists the console gets TOPOLOGY_MAPPING_ALREADY_EXISTS (the same
   * mapping) or, if the party was replicated since, a mapping that un-hosts the other participants, as
   * Canton does; the Ledger API rewrites an existing party into INVALID_ARGUMENT (FACTS §4).
   */
  allocateParty(p: ParticipantDoc, hint: string, opts: { synchronizerAlias?: string; annotations?: Record<string, string>; identityProviderId?: string; via: 'console' | 'ledger-api' }): string {
    if (!ID_RE.test(hint) || hint.includes('::')) throw err.invalid(`Party id hint '${hint}' is not a valid party id hint`);
    const topos = opts.synchronizerAlias !== undefined
      ? [p.connections[opts.synchronizerAlias]].filter((c) => c?.connected).map((c) => this.topologyOf(c!.sequencer)).filter((t): t is SynchronizerTopology => t !== null)
      : this.connectedTopologies(p);
    if (topos.length === 0) {
      throw new CantonError('PARTY_ALLOCATION_WITHOUT_CONNECTED_SYNCHRONIZER', 9, `The participant ${p.uid} is not connected to any synchronizer${opts.synchronizerAlias ? ` with alias ${opts.synchronizerAlias}` : ''}. Connect the participant to a synchronizer before allocating parties.`);
    }
    const party = `${hint}::${p.namespace}`;
    if (opts.via === 'ledger-api' && (p.parties[party] || topos.some((t) => t.partyToParticipant[party]))) {
      // ApiPartyManagementService rewrites ALREADY_EXISTS to INVALID_ARGUMENT (FACTS §4).
      throw new CantonError('INVALID_ARGUMENT', 8, `The submitted request has invalid arguments: Party already exists: party ${party} is already allocated on this node`);
    }
    for (const t of topos) {
      proposeP2P(this, p, t, { party, participants: [{ participantUid: p.uid, permission: 'Submission', onboarding: false }], threshold: 1, serial: (t.partyToParticipant[party]?.serial ?? 0) + 1, mustFullyAuthorize: true });
    }
    p.parties[party] ??= { party, annotations: opts.annotations ?? {}, resourceVersion: 0, identityProviderId: opts.identityProviderId ?? '' };
    return party;
  }

  /**
   * An external party (its keys outside Canton, in its own namespace) hosted on `p` with Confirmation.
   * Test hook only: its Ed25519 key is real but its private half is discarded (nobody can sign for it).
   * Real clients go through /v2/parties/external/* (external.ts), which verifies the key's signature.
   */
  allocateExternalParty(p: ParticipantDoc, hint: string): string {
    const topo = this.connectedTopologies(p)[0];
    if (!topo) throw new CantonError('PARTY_ALLOCATION_WITHOUT_CONNECTED_SYNCHRONIZER', 9, `The participant ${p.uid} is not connected to any synchronizer.`);
    const key = newOrphanExternalKey(topo);
    const party = `${hint}::${key}`;
    const mapping = { party, threshold: 1, participants: [{ participantUid: p.uid, permission: 'Confirmation' as Permission, onboarding: false }], serial: 1, signedBy: [key, p.namespace], signingKeys: [key] };
    topo.partyToParticipant[party] = mapping;
    p.offset += 1;
    return party;
  }

  uploadDar(p: ParticipantDoc, bytes: Buffer, name: string): string {
    // A DAR is a zip archive; Canton rejects anything else before looking inside.
    if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0x04034b50) {
      throw new CantonError('DAR_PARSE_ERROR', 8, `Failed to parse the DAR file ${name}: not a zip archive`);
    }
    const pkg = createHash('sha256').update(bytes).digest('hex');
    p.packages[pkg] = { packageId: pkg, name, size: bytes.length, uploadedAt: new Date().toISOString() };
    for (const t of this.registeredTopologies(p)) t.vettedPackages[p.uid] = Object.keys(p.packages);
    return pkg;
  }

  // ---------------------------------------------------------------- users
  static rightKey(r: RightJson): string { return JSON.stringify(r.kind); }
  createUser(p: ParticipantDoc, u: { id: string; primaryParty?: string; isDeactivated?: boolean; annotations?: Record<string, string>; identityProviderId?: string }, rights: RightJson[]): UserRec {
    if (!ID_RE.test(u.id)) throw err.invalid(`field 'id': invalid user id '${u.id}'`);
    if (p.users[u.id]) throw err.userExists(u.id);
    const rec: UserRec = {
      id: u.id, primaryParty: u.primaryParty ?? '', isDeactivated: u.isDeactivated ?? false, identityProviderId: u.identityProviderId ?? '',
      annotations: u.annotations ?? {}, resourceVersion: 0, rights: [],
    };
    this.grant(rec, rights);
    p.users[u.id] = rec;
    return rec;
  }
  user(p: ParticipantDoc, id: string, op?: string): UserRec {
    const u = p.users[id];
    if (!u) throw err.userNotFound(id, op);
    return u;
  }
  grant(u: UserRec, rights: RightJson[]): RightJson[] {
    const have = new Set(u.rights.map(Env.rightKey));
    const added: RightJson[] = [];
    for (const r of rights) { const k = Env.rightKey(r); if (!have.has(k)) { have.add(k); u.rights.push(r); added.push(r); } }
    if (u.rights.length > 1000) throw new CantonError('TOO_MANY_USER_RIGHTS', 9, `Granting rights for user ${u.id} would exceed max-rights-per-user (1000)`);
    return added;
  }
  revoke(u: UserRec, rights: RightJson[]): RightJson[] {
    const drop = new Set(rights.map(Env.rightKey));
    const removed = u.rights.filter((r) => drop.has(Env.rightKey(r)));
    u.rights = u.rights.filter((r) => !drop.has(Env.rightKey(r)));
    return removed;
  }

  // ---------------------------------------------------------------- commands and the ACS
  /** A CreateCommand: the contract lands in the ACS of every local participant hosting a stakeholder. */
  create(p: ParticipantDoc, templateId: string, createArguments: unknown, actAs: string[]): { contract: Contract; updateId: string; offset: number } {
    const topo = this.connectedTopologies(p)[0];
    if (!topo) throw new CantonError('NO_SYNCHRONIZER_FOR_SUBMISSION', 9, `No valid synchronizer for submission: participant ${p.uid} is not connected to any synchronizer`);
    this.checkSubmitters(p, actAs);
    const parties = new Set<string>();
    collectParties(createArguments, parties);
    const signatories = actAs.filter((a) => parties.has(a) || parties.size === 0);
    const sigs = signatories.length > 0 ? signatories : [...actAs];
    const observers = [...parties].filter((x) => !sigs.includes(x));
    checkConfirmations(this, topo, sigs); // namespaces-confirm.ts: signatories confirm
    const updateId = '1220' + randomBytes(32).toString('hex');
    const contractId = '00' + randomBytes(32).toString('hex') + 'ca1112';
    const base = { contractId, templateId, packageName: templateId.startsWith('#') ? templateId.slice(1).split(':')[0]! : templateId.split(':')[0]!, createArgument: createArguments, signatories: sigs, observers, nodeId: 0, createdAt: new Date().toISOString(), synchronizerId: topo.synchronizerId };
    let own: Contract | undefined;
    for (const q of this.participants()) {
      const sees = q === p || [...this.hostedParties(q).keys()].some((x) => sigs.includes(x) || observers.includes(x));
      if (!sees || !Object.values(q.connections).some((c) => c.synchronizerId === topo.synchronizerId)) continue;
      q.offset += 1; q.updates += 1;
      const c = { ...base, offset: q.offset };
      q.contracts[contractId] = c;
      logUpdate(q, [{ kind: 'created', contract: c }], topo.synchronizerId);
      if (q === p) own = c;
    }
    return { contract: own!, updateId, offset: own!.offset };
  }

  archive(p: ParticipantDoc, contractId: string): number {
    if (!p.contracts[contractId]) throw new CantonError('CONTRACT_NOT_FOUND', 11, `Contract could not be found with id ${contractId}`);
    this.confirm(p, p.contracts[contractId]!.signatories);
    for (const q of this.participants()) {
      const c = q.contracts[contractId];
      if (!c) continue;
      delete q.contracts[contractId]; q.offset += 1; q.updates += 1;
      logUpdate(q, [{ kind: 'archived', contract: c }], c.synchronizerId);
    }
    return p.offset;
  }

  /** A non-consuming exercise (the emulator runs no Daml): a transaction for every participant that has the contract. */
  exercise(p: ParticipantDoc, contractId: string, choice: string, choiceArgument: unknown, actingParties: string[]): number {
    if (!p.contracts[contractId]) throw new CantonError('CONTRACT_NOT_FOUND', 11, `Contract could not be found with id ${contractId}`);
    this.confirm(p, [...p.contracts[contractId]!.signatories, ...actingParties]);
    for (const q of this.participants()) {
      const c = q.contracts[contractId];
      if (!c) continue;
      q.offset += 1; q.updates += 1;
      logUpdate(q, [{ kind: 'exercised', contract: c, choice, choiceArgument, actingParties, consuming: false }], c.synchronizerId);
    }
    return p.offset;
  }

  /** Signatories and actors confirm, each with its threshold of hosts (namespaces-confirm.ts). */
  private confirm(p: ParticipantDoc, confirming: string[]): void {
    const topo = this.connectedTopologies(p)[0];
    if (topo) checkConfirmations(this, topo, confirming);
  }

  /**
   * Synchronizer routing for a submission (AdmissibleSynchronizersComputation.forParties, release-line-3.4):
   * every actAs party must be known on a connected synchronizer, and hosted on this participant with
   * Submission and threshold 1, else NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT
   * (TransactionRoutingError.scala: NotAllowed for one submitter, NoSuitableSynchronizer for several).
   */
  checkSubmitters(p: ParticipantDoc, actAs: string[]): void {
    const topos = this.connectedTopologies(p);
    const known = new Set(topos.flatMap((t) => Object.keys(t.partyToParticipant)));
    const unknown = actAs.filter((a) => !known.has(a));
    if (unknown.length > 0) {
      throw new CantonError('UNKNOWN_SUBMITTERS', 11, 'The participant is not connected to any synchronizer where the given submitters are known.', { unknownSubmitters: unknown.join(', ') });
    }
    const suitable = topos.some((t) => actAs.every((a) => {
      const m = t.partyToParticipant[a];
      const h = m?.participants.find((x) => x.participantUid === p.uid);
      return m !== undefined && h !== undefined && h.permission === 'Submission' && m.threshold === 1;
    }));
    if (suitable) return;
    if (actAs.length === 1) throw new CantonError('NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT', 11, 'This participant cannot submit as the given submitter on any connected synchronizer', { unknownSubmitter: actAs[0]! });
    throw new CantonError('NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT', 11, 'Not connected to a synchronizer on which this participant can submit for all submitters', { unknownSubmitters: actAs.join(', ') });
  }

  /** Active contracts visible to `parties` (undefined = any party) on participant `p`. */
  acs(p: ParticipantDoc, parties: string[] | undefined): Contract[] {
    return Object.values(p.contracts)
      .filter((c) => parties === undefined || [...c.signatories, ...c.observers].some((x) => parties.includes(x)))
      .sort((a, b) => a.offset - b.offset);
  }
}

function collectParties(v: unknown, out: Set<string>): void {
  if (typeof v === 'string') { if (PARTY_RE.test(v)) out.add(v); return; }
  if (Array.isArray(v)) { for (const x of v) collectParties(x, out); return; }
  if (v && typeof v === 'object') for (const x of Object.values(v)) collectParties(x, out);
}
