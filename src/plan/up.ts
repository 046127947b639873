import type { Topology } from '../config/types.js';
import type { Plan, Step } from './types.js';

/**
 * The I/O `up` needs, as observations (`…Running`, `…UpToDate`: read-only, used by `needed` and by
 * `--dry-run`) and actions. `commands/up.ts` implements it with the real adapters; tests pass fakes.
 */
export interface UpActions {
  preflight(): Promise<void>;
  cantonInstalled(): Promise<boolean>;
  ensureCanton(): Promise<void>;
  secretsInPlace(): Promise<boolean>;
  ensureSecrets(): Promise<void>;
  renderedUpToDate(): Promise<boolean>;
  render(): Promise<void>;
  postgresServerRunning(): Promise<boolean>;
  startPostgresServer(): Promise<void>;
  databasesProvisioned(): Promise<boolean>;
  provisionDatabases(): Promise<void>;
  daemonRunning(): Promise<boolean>;
  startDaemon(): Promise<void>;
  daemonReady(): Promise<boolean>;
  waitForReadiness(): Promise<void>;
  /** `parties.<name>.alsoHostedOn` in place (src/party/up-hosting.ts); only topologies that use it need these. */
  partyHostingConverged?(): Promise<boolean>;
  convergePartyHosting?(): Promise<void>;
  /** `parties.<name>.decentralized` in place (src/party/decentral-up.ts). */
  decentralPartiesConverged?(): Promise<boolean>;
  convergeDecentralParties?(): Promise<void>;
  usersConverged(): Promise<boolean>;
  convergeUsers(): Promise<void>;
  /** DARs added to the config while the topology runs are uploaded in place (optional: fakes may omit it). */
  darsUploaded?(): Promise<boolean>;
  uploadDars?(): Promise<void>;
  signerRunning(): Promise<boolean>;
  startSigner(): Promise<void>;
  writeState(): Promise<void>;
}

/** Step ids, in order; also the values `CANTON_MPC_TEST_KILL_AT` accepts. */
export const UP_STEP_IDS = [
  'preflight',
  'canton-release',
  'secrets',
  'render',
  'postgres-server',
  'postgres-databases',
  'canton-daemon',
  'readiness',
  'party-hosting',
  'party-decentral',
  'users',
  'dars',
  'signer',
  'state',
] as const;
export type UpStepId = (typeof UP_STEP_IDS)[number];

export interface UpPlanOptions {
  /** Run the embedded PostgreSQL (postgres storage and no external server named). */
  embeddedPostgres: boolean;
}

/** The plan for `up`: only the steps this topology needs, each observing before it acts. */
export function buildUpPlan(topology: Topology, opts: UpPlanOptions): Plan<UpActions> {
  const usesPostgres = [...topology.sequencers, ...topology.mediators, ...topology.participants].some((n) => n.storage.type === 'postgres');
  const steps: Array<Step<UpActions> & { id: UpStepId }> = [
    { id: 'preflight', title: 'check the JDK, ports and PostgreSQL', needed: () => true, apply: (a) => a.preflight() },
    { id: 'canton-release', title: `install Canton ${topology.canton.version}`, needed: async (a) => !(await a.cantonInstalled()), apply: (a) => a.ensureCanton() },
    { id: 'render', title: 'render canton.conf and bootstrap.canton', needed: async (a) => !(await a.renderedUpToDate()), apply: (a) => a.render() },
  ];
  if (topology.security.mode !== 'none') {
    steps.splice(2, 0, { id: 'secrets', title: topology.security.tls ? 'generate the JWT signing key, the CA and the TLS certificates' : 'generate the JWT signing key', needed: async (a) => !(await a.secretsInPlace()), apply: (a) => a.ensureSecrets() });
  }
  if (usesPostgres && opts.embeddedPostgres) {
    steps.push({ id: 'postgres-server', title: 'start the embedded PostgreSQL', needed: async (a) => !(await a.postgresServerRunning()), apply: (a) => a.startPostgresServer() });
  }
  if (usesPostgres) {
    steps.push({ id: 'postgres-databases', title: 'create the role and one database per node', needed: async (a) => !(await a.databasesProvisioned()), apply: (a) => a.provisionDatabases() });
  }
  steps.push(
    { id: 'canton-daemon', title: 'start the Canton daemon', needed: async (a) => !(await a.daemonRunning()), apply: (a) => a.startDaemon() },
    { id: 'readiness', title: 'wait for ports file, /readyz and parties', needed: async (a) => !(await a.daemonReady()), apply: (a) => a.waitForReadiness() },
  );
  if (topology.parties.some((p) => (p.alsoHostedOn ?? []).length > 0)) {
    steps.push({ id: 'party-hosting', title: 'host parties on their alsoHostedOn participants (Workflow 1)', needed: async (a) => !((await a.partyHostingConverged?.()) ?? true), apply: async (a) => a.convergePartyHosting?.() });
  }
  if ((topology.decentralizedParties ?? []).length > 0) {
    steps.push({ id: 'party-decentral', title: 'create the decentralized parties (Workflow 3)', needed: async (a) => !((await a.decentralPartiesConverged?.()) ?? true), apply: async (a) => a.convergeDecentralParties?.() });
  }
  steps.push(
    { id: 'users', title: `create ${topology.users.length} user(s) and their rights`, needed: async (a) => !(await a.usersConverged()), apply: (a) => a.convergeUsers() },
  );
  if (topology.dars.length > 0) {
    steps.push({ id: 'dars', title: 'upload DARs added since Canton started', needed: async (a) => (a.darsUploaded ? !(await a.darsUploaded()) : false), apply: async (a) => a.uploadDars?.() });
  }
  if (topology.signer) {
    steps.push({ id: 'signer', title: 'start the MPC signer under its supervisor', needed: async (a) => !(await a.signerRunning()), apply: (a) => a.startSigner() });
  }
  steps.push({ id: 'state', title: 'write .canton-mpc/state.json', needed: () => true, apply: (a) => a.writeState() });
  return steps;
}
