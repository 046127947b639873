// The emulator's ledger state. One document per node, kept in that node's storage (memory or its
// own Postgres database), so a restart with Postgres storage finds its parties, users, topology and
// contracts again while memory storage starts from scratch, as with Canton.
//
// The model deliberately holds more than today's console commands touch: the party-replication
// work (offline party replication runbook) needs hosting permissions with the onboarding flag,
// party thresholds, per-party ACS, manualConnect per connection, pruning schedules, ACS export and
// import records and decentralized namespaces. Those live here so that later commands only add
// behaviour, not state.
import { randomBytes } from 'node:crypto';
import type { NodeKind, StorageCfg } from './config.js';

export type Permission = 'Submission' | 'Confirmation' | 'Observation';
export type RightJson = { kind: Record<string, { value: Record<string, unknown> }> };

export interface UserRec {
  id: string; primaryParty: string; isDeactivated: boolean; identityProviderId: string;
  annotations: Record<string, string>; resourceVersion: number; rights: RightJson[];
}
export interface LocalParty { party: string; annotations: Record<string, string>; resourceVersion: number; identityProviderId: string }
export interface Contract {
  contractId: string; templateId: string; packageName: string; createArgument: unknown;
  signatories: string[]; observers: string[]; offset: number; nodeId: number; createdAt: string; synchronizerId: string;
}
export interface Connection { alias: string; sequencer: string; synchronizerId: string; manualConnect: boolean; priority: number; connected: boolean }
export interface PruningSchedule { cron: string; maxDurationMs: number; retentionMs: number }
export interface AcsTransfer { file: string; party: string; synchronizerId: string; participantId: string; offset: number; contracts: number; at: string }
export interface PackageRec { packageId: string; name: string; size: number; uploadedAt: string }

export interface ParticipantDoc {
  kind: 'participant'; name: string; namespace: string; uid: string;
  offset: number; updates: number;
  parties: Record<string, LocalParty>;   // allocated here (isLocal)
  users: Record<string, UserRec>;
  packages: Record<string, PackageRec>;
  connections: Record<string, Connection>; // by synchronizer alias
  contracts: Record<string, Contract>;     // the ACS; per-party views are filtered by stakeholder
  pruning: { schedule: PruningSchedule | null; participantSchedule: (PruningSchedule & { pruneInternallyOnly: boolean }) | null; prunedUpTo: number };
  acsExports: AcsTransfer[]; acsImports: AcsTransfer[];
}
export interface HostingParticipant { participantUid: string; permission: Permission; onboarding: boolean }
/**
 * An effective PartyToParticipant mapping (or, in `p2pProposals`, a proposal of one): `signedBy` holds the
 * namespaces whose keys signed it; `signingKeys` is set for an external party (its keys live outside Canton).
 */
export interface PartyToParticipant { party: string; threshold: number; participants: HostingParticipant[]; serial: number; signedBy?: string[]; signingKeys?: string[] }
export interface SynchronizerTopology {
  name: string; synchronizerId: string; physicalId: string; protocolVersion: number;
  sequencers: string[]; mediators: string[]; owners: string[]; threshold: number;
  partyToParticipant: Record<string, PartyToParticipant>;
  decentralizedNamespaces: Record<string, { owners: string[]; threshold: number; serial: number }>;
  vettedPackages: Record<string, string[]>; // participant uid -> package ids
  /** Proposals not yet fully authorized, by party (see topology.ts). Absent in documents written before. */
  p2pProposals?: Record<string, PartyToParticipant[]>;
  /** External parties' public keys (Ed25519 SPKI, base64) by fingerprint (external.ts). */
  externalKeys?: Record<string, string>;
}
export interface SequencerDoc { kind: 'sequencer'; name: string; namespace: string; uid: string; synchronizer: SynchronizerTopology | null }
export interface MediatorDoc { kind: 'mediator'; name: string; namespace: string; uid: string; synchronizerId: string | null }
export type NodeDoc = ParticipantDoc | SequencerDoc | MediatorDoc;

/** A Canton fingerprint: multihash prefix 1220 (sha-256) + 64 hex digits. */
export const newFingerprint = (): string => '1220' + randomBytes(32).toString('hex');

export function freshDoc(kind: NodeKind, name: string): NodeDoc {
  const namespace = newFingerprint();
  const uid = `${name}::${namespace}`;
  if (kind === 'sequencer') return { kind, name, namespace, uid, synchronizer: null };
  if (kind === 'mediator') return { kind, name, namespace, uid, synchronizerId: null };
  return {
    kind, name, namespace, uid, offset: 0, updates: 0, parties: {},
    // Canton creates this user on every participant.
    users: { participant_admin: { id: 'participant_admin', primaryParty: '', isDeactivated: false, identityProviderId: '', annotations: {}, resourceVersion: 0, rights: [{ kind: { ParticipantAdmin: { value: {} } } }] } },
    packages: {}, connections: {}, contracts: {},
    pruning: { schedule: null, participantSchedule: null, prunedUpTo: 0 }, acsExports: [], acsImports: [],
  };
}

export interface NodeStore { load(): Promise<NodeDoc | null>; save(doc: NodeDoc): Promise<void>; close(): Promise<void> }

export class StorageError extends Error {}

export function memoryStore(): NodeStore {
  return { load: async () => null, save: async () => {}, close: async () => {} };
}

/** Connects like Canton's fail-fast-on-startup: a failure here fails the node's start. */
export async function postgresStore(node: string, s: StorageCfg): Promise<NodeStore> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: s.serverName, port: s.portNumber, database: s.databaseName, user: s.user, password: s.password,
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => { /* the daemon keeps running; later saves report the failure */ });
  try {
    await client.connect();
    await client.query('CREATE TABLE IF NOT EXISTS canton_emulator_state (node text PRIMARY KEY, doc jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())');
  } catch (e) {
    await client.end().catch(() => {});
    throw new StorageError(`Failed to connect to database ${s.databaseName} at ${s.serverName}:${s.portNumber} as user ${s.user} for node ${node}: ${(e as Error).message}`);
  }
  let chain: Promise<unknown> = Promise.resolve();
  return {
    async load() {
      const r = await client.query('SELECT doc FROM canton_emulator_state WHERE node = $1', [node]);
      return r.rows.length > 0 ? (r.rows[0].doc as NodeDoc) : null;
    },
    save(doc) {
      const json = JSON.stringify(doc);
      // Writes are serialised so that an older snapshot never overwrites a newer one.
      const p = chain.then(() => client.query(
        'INSERT INTO canton_emulator_state (node, doc) VALUES ($1, $2) ON CONFLICT (node) DO UPDATE SET doc = EXCLUDED.doc, updated_at = now()',
        [node, json]));
      chain = p.catch(() => {});
      return p.then(() => {});
    },
    async close() { await chain; await client.end().catch(() => {}); },
  };
}
