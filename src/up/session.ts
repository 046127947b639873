import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import type { RenderedFile } from '../render/index.js';
import type { LedgerClient } from '../ledger/client.js';
import type { StartedDaemon } from '../canton/daemon.js';
import type { UpActions } from '../plan/up.js';
import { emptyState, writeState, type AppliedSpec, type State } from '../state/state.js';
import { M } from './modules.js';
import { isEmbeddedPostgres, participantUrl } from './helpers.js';
import * as preflight from './preflight.js';
import * as release from './release.js';
import * as pg from './postgres.js';
import * as daemon from './daemon.js';
import * as ledger from './ledger.js';
import * as signer from './signer.js';

export { isEmbeddedPostgres, renderedHash, configDir, desiredUser, nodeEndpoints } from './helpers.js';
export { loadModules } from './modules.js';

/**
 * The adapters behind the `up` plan (src/plan/up.ts): each UpActions method observes or changes one
 * thing in the world; the work lives in one small file per area (preflight, release, postgres,
 * daemon, ledger, signer), which take the session. The command (src/commands/up.ts) classifies
 * drift, keeps the fast path for a healthy topology, and runs the plan with a session.
 */
export interface UpOptions {
  storage?: 'memory' | 'postgres';
  timeout?: string;
  dryRun?: boolean;
  javaHome?: string;
}

/** What this run started itself: only these may be stopped when a later step fails. */
export type StartedHere = 'canton' | 'postgres' | 'signer';

/** Everything one `up` invocation learns and changes; the plan's actions close over it. */
export class UpSession implements UpActions {
  state: State;
  daemon?: StartedDaemon;
  cantonHome?: string;
  javaHome?: string;
  partyIds: Record<string, string> = {};
  pgPassword?: string;
  jdkChoice?: ReturnType<typeof preflight.jdk>;
  readonly startedHere = new Set<StartedHere>();
  readonly clients = new Map<string, LedgerClient>();

  constructor(
    readonly ctx: CommandContext,
    readonly topology: Topology,
    readonly opts: UpOptions & { timeoutMs: number },
    prior: State | undefined,
    readonly hash: string,
    readonly files: RenderedFile[],
    /** What the config asks for, in the shape drift is measured in (up/drift.ts). */
    readonly desired?: AppliedSpec,
  ) {
    this.state = prior ? structuredClone(prior) : emptyState(topology.storage);
    this.state.storage = topology.storage;
    if (opts.storage) this.state.storageOverride = opts.storage;
    else delete this.state.storageOverride;
    this.partyIds = Object.fromEntries(Object.entries(this.state.parties).map(([k, v]) => [k, v.id]));
  }

  get embedded(): boolean {
    return isEmbeddedPostgres(this.topology, this.ctx.env);
  }

  client(participant: string): LedgerClient {
    let c = this.clients.get(participant);
    if (!c) {
      c = M.ledger.createLedgerClient({
        baseUrl: participantUrl(this.topology, participant),
        signal: this.ctx.signal,
        onRetry: (what, attempt, e) => {
          this.ctx.output.debug(`retry ${attempt} of ${what}: ${e.message}`);
          this.ctx.output.event({ event: 'retry', url: what, attempt, retriesLeft: Math.max(0, M.ledger.LEDGER_RETRIES - attempt), error: e.message });
        },
      });
      this.clients.set(participant, c);
    }
    return c;
  }

  async persist(): Promise<void> {
    this.state.updatedAt = new Date().toISOString();
    await writeState(this.topology.stateDir, this.state);
  }

  preflight = () => preflight.preflight(this);
  cantonInstalled = () => release.cantonInstalled(this);
  ensureCanton = () => release.ensureCanton(this);
  secretsInPlace = () => release.secretsInPlace(this);
  ensureSecrets = () => release.ensureSecrets(this);
  renderedUpToDate = () => release.renderedUpToDate(this);
  render = () => release.render(this);
  postgresServerRunning = () => pg.postgresServerRunning(this);
  startPostgresServer = () => pg.startPostgresServer(this);
  databasesProvisioned = () => pg.databasesProvisioned(this);
  provisionDatabases = () => pg.provisionDatabases(this);
  daemonRunning = () => daemon.daemonRunning(this);
  startDaemon = () => daemon.startDaemon(this);
  daemonReady = () => daemon.daemonReady(this);
  waitForReadiness = () => daemon.waitForReadiness(this);
  usersConverged = () => ledger.usersConverged(this);
  convergeUsers = () => ledger.convergeUsers(this);
  darsUploaded = () => ledger.darsUploaded(this);
  uploadDars = () => ledger.uploadDars(this);
  signerRunning = () => signer.signerRunning(this);
  startSigner = () => signer.startSigner(this);
  writeState = () => ledger.writeFinalState(this);
  // alsoHostedOn parties (Workflow 1 at up); loaded only by topologies that use it.
  partyHostingConverged = async () => (await import('../party/up-hosting.js')).hostingConverged(this.topology, this.state);
  convergePartyHosting = async () => { await (await import('../party/up-hosting.js')).convergeHosting(this.topology, this.state, this.ctx.runner, this.ctx.signal, (l) => this.ctx.output.info(l)); };
  decentralPartiesConverged = async () => (await import('../party/decentral-registry.js')).decentralConverged(this.topology, this.state);
  convergeDecentralParties = async () => { await (await import('../party/decentral-up.js')).convergeDecentral(this.topology, this.state, this.ctx.runner, this.ctx.signal, (l) => this.ctx.output.info(l)); };
}
