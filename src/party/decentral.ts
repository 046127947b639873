/**
 * `party decentralize`, Workflow 3 of the Party Mobility runbook, as a Plan on the src/plan/ runner:
 *
 *   preflight       one read-only console run over every owner: keys, delegations, namespace, mapping
 *   namespace-keys  ┐
 *   delegations     │ ONE console run for every pending step, addressing every owner; each step
 *   namespace       │ reports its own line, so the journal records it as it finishes, and each looks
 *   hosting         │ again before it proposes (a crash between two proposals re-proposes nothing)
 *   party-to-key    ┘ (with --party-to-key)
 *   record          the party's id, owners and key fingerprints into .canton-mpc/decentralized/<name>/
 *
 * Two JVM starts for a run that changes something, one for a run that finds everything in place.
 */
import type { ConsoleRunResult, ConsoleStep } from '../canton/console.js';
import type { Journal } from '../plan/journal.js';
import type { Plan } from '../plan/types.js';
import { ownersDown, parseDecentralObservation, pendingSteps, signersFor, type DecentralObservation, type DecentralRequest } from './decentral-decide.js';
import { decentralKeyNames, renderDecentralScript, type DecentralStepId } from './decentral-script.js';
import { writeDecentralRecord, type DecentralRecord } from './decentral-registry.js';
import { StepBatch } from './step-batch.js';

/** How long the script waits for each mapping to become effective (seconds). */
export const DECENTRAL_WAIT_SECONDS = 60;

export interface DecentralIO {
  runScript(name: string, script: string, onStep: (s: ConsoleStep) => void, onSpawn: (pid: number) => void): Promise<ConsoleRunResult>;
  projectDir: string;
  alias: string;
  templatesDir?: string;
  /** `.canton-mpc/decentralized/<name>/`: journal, scripts, console log, party.json. */
  dir: string;
}

const TITLES: Record<'preflight' | DecentralStepId | 'record', string> = {
  preflight: 'observe every owner: keys, delegations, decentralized namespace, hosting',
  'namespace-keys': 'generate a NamespaceOnly signing key on each owner (kept in its vault)',
  delegations: "publish each owner's namespace (root delegation of its key)",
  namespace: 'propose the same DecentralizedNamespaceDefinition from the signing owners, wait until listed',
  hosting: 'propose the same PartyToParticipant (owners, permission, confirmation threshold), wait until effective',
  'party-to-key': 'generate ProtocolOnly keys and propose the PartyToKey mapping, wait until effective',
  record: 'record the party id, owners and key fingerprints',
};

export class DecentralRun {
  observation?: DecentralObservation;
  pending: DecentralStepId[] = [];
  signers: string[] = [];
  /** Console runs (JVM starts) of this invocation. */
  consoleRuns = 0;
  private preflightPid?: number;
  private readonly batch: StepBatch;

  constructor(readonly req: DecentralRequest, readonly io: DecentralIO, readonly journal: Journal, private readonly daemonStartedAt?: string) {
    this.batch = new StepBatch((onStep, onSpawn) => {
      this.consoleRuns++;
      return this.io.runScript('party-decentral.canton', this.script(this.pending), onStep, onSpawn);
    }, (s) => {
      // Key names and public fingerprints only: the private keys never leave the owners' vaults.
      if (s.id === 'namespace-keys' || s.id === 'party-to-key') this.journal.record(s.id, 'note', undefined, { keyName: s.id === 'namespace-keys' ? decentralKeyNames(this.req.name).ns : decentralKeyNames(this.req.name).proto, owners: this.req.owners, fingerprints: s.data.keys });
    });
  }

  /** The running console, for the test kill hook. */
  get consolePid(): number | undefined {
    return this.batch.consolePid ?? this.preflightPid;
  }

  /** The first owner that is up reads the synchronizer's topology. */
  private anchor(): string {
    const up = this.req.owners.find((o) => this.observation?.owners[o]?.connected);
    return up ?? this.req.owners[0]!;
  }

  private script(steps: DecentralStepId[]): string {
    return renderDecentralScript({
      projectDir: this.io.projectDir, templatesDir: this.io.templatesDir, alias: this.io.alias, anchor: this.anchor(), hint: this.req.name,
      owners: this.req.owners, signers: this.signers.length ? this.signers : this.req.owners,
      ...(this.req.namespace ? { namespace: this.req.namespace } : {}),
      threshold: this.req.threshold, confirmationThreshold: this.req.confirmationThreshold, permission: this.req.permission, partyToKey: this.req.partyToKey,
      steps, waitSeconds: DECENTRAL_WAIT_SECONDS,
    });
  }

  /** The preflight: observe, decide, refuse (an owner down) before anything changes. */
  async assess(): Promise<void> {
    this.consoleRuns++;
    const r = await this.io.runScript('party-decentral-observe.canton', this.script([]), () => undefined, (pid) => (this.preflightPid = pid));
    this.preflightPid = undefined;
    this.observation = parseDecentralObservation(r.steps);
    this.pending = pendingSteps(this.req, this.observation);
    this.signers = signersFor(this.req, this.observation);
    const refusal = ownersDown(this.req, this.observation, this.pending, this.io.alias);
    if (refusal) throw refusal;
  }

  isPending(id: string): boolean {
    return (this.pending as string[]).includes(id);
  }

  /** Resolves when the batch script reports `id`; the first call starts it (one run for every pending step). */
  step(id: DecentralStepId): Promise<void> {
    return this.batch.step(id);
  }

  result(id: string): Record<string, unknown> | undefined {
    return this.batch.result(id);
  }

  /** What the party looks like now: the observation plus whatever the batch reported. */
  record(): DecentralRecord {
    const obs = this.observation!;
    const nsKeys = (this.result('namespace-keys')?.keys as string[] | undefined) ?? this.req.owners.map((o) => obs.owners[o]?.nsKey ?? '');
    const protoKeys = (this.result('party-to-key')?.keys as string[] | undefined) ?? this.req.owners.map((o) => obs.owners[o]?.protoKey ?? '');
    const namespace = String(this.result('namespace')?.namespace ?? obs.namespace ?? this.req.namespace ?? '');
    const id = String(this.result('hosting')?.party ?? obs.partyId ?? `${this.req.name}::${namespace}`);
    return {
      name: this.req.name, id, namespace, owners: this.req.owners, threshold: this.req.threshold, confirmationThreshold: this.req.confirmationThreshold,
      permission: this.req.permission, partyToKey: this.req.partyToKey, keyNames: decentralKeyNames(this.req.name),
      keys: Object.fromEntries(this.req.owners.map((o, i) => [o, { namespace: nsKeys[i] ?? '', ...(this.req.partyToKey && protoKeys[i] ? { protocol: protoKeys[i] } : {}) }])),
      ...(this.daemonStartedAt ? { daemonStartedAt: this.daemonStartedAt } : {}),
    };
  }
}

export function buildDecentralPlan(partyToKey: boolean): Plan<DecentralRun> {
  const ids: DecentralStepId[] = ['namespace-keys', 'delegations', 'namespace', 'hosting', ...(partyToKey ? (['party-to-key'] as const) : [])];
  return [
    { id: 'preflight', title: TITLES.preflight, needed: () => true, apply: (r) => r.assess() },
    ...ids.map((id) => ({ id, title: TITLES[id], needed: (r: DecentralRun) => r.isPending(id), apply: (r: DecentralRun) => r.step(id) })),
    { id: 'record', title: TITLES.record, needed: () => true, apply: (r) => writeDecentralRecord(r.io.dir, r.record()) },
  ];
}
