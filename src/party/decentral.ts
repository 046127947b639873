/**
 * `party decentralize`, Workflow 3 of the Party Mobility runbook, as a Plan on the src/plan/ runner:
 *
 *   preflight       one read-only console run over every owner: keys, delegations, namespace, mapping
 *   namespace-keys  ┐
 *   delegations     │ ONE console run for every pending step, addressing every owner; each step
 *   namespace       │ reports its own line, so the journal records it as it finishes, and each looks
 *   onboard         │ (an owner added to a party with contracts) Workflow 2 for it, between two runs
 *   hosting         │ again before it proposes (a crash between two proposals re-proposes nothing)
 *   party-to-key    ┘ (with --party-to-key)
 *   record          the party's id, owners and key fingerprints into .canton-mpc/decentralized/<name>/
 *
 * Two JVM starts for a run that changes something, one for a run that finds everything in place. An
 * added owner of a party that has contracts needs the party's ACS before it hosts it (the runbook: add
 * members of a used party with Workflow 2): the steps up to the namespace run first, then Workflow 2's
 * own plan and journal onboard it (the party side signed by a threshold of the owners), then the
 * hosting is brought to the requested permission in a second run: eight JVM starts in all (preflight,
 * Workflow 2's read-only preflight, the topology steps, Workflow 2's four, the hosting).
 */
import type { ConsoleRunResult, ConsoleStep } from '../canton/console.js';
import type { Journal } from '../plan/journal.js';
import type { Plan } from '../plan/types.js';
import { ExitCode, UserError } from '../errors.js';
import type { ReplicateRequest } from './assess.js';
import { onboardingTargets, ownersDown, parseDecentralObservation, pendingSteps, signersFor, type DecentralObservation, type DecentralRequest } from './decentral-decide.js';
import { decentralKeyNames, renderDecentralScript, type DecentralStepId } from './decentral-script.js';
import { writeDecentralRecord, type DecentralRecord } from './decentral-registry.js';
import { StepBatch } from './step-batch.js';
import type { History } from './types.js';

/** Steps that wait for Workflow 2 when an added owner is onboarded with the ACS. */
const LATE_STEPS: DecentralStepId[] = ['hosting', 'party-to-key'];
/** Workflow 2's console runs: observe, prepare, import, finish (offline.ts). */
const OFFLINE_CONSOLE_RUNS = 4;

/** How long the script waits for each mapping to become effective (seconds). */
export const DECENTRAL_WAIT_SECONDS = 60;

/**
 * Workflow 2 for an owner added to a party that has contracts (its ACS goes with it). The command layer
 * builds it from the offline replication adapters (decentral-execute.ts); without it such a change is
 * refused before anything is proposed.
 */
export interface Onboarding {
  /** Whether the party has ever been a stakeholder (the Ledger API check of its hosts). */
  history(partyId: string, hosts: string[]): Promise<History>;
  /** Workflow 2's preflight for one target, read-only: throws its refusal. */
  check(req: ReplicateRequest): Promise<void>;
  /** Workflow 2 for one target, resuming its own journal (`.canton-mpc/replication/<party>-to-<target>/`). */
  run(req: ReplicateRequest): Promise<void>;
}

export interface DecentralIO {
  runScript(name: string, script: string, onStep: (s: ConsoleStep) => void, onSpawn: (pid: number) => void): Promise<ConsoleRunResult>;
  projectDir: string;
  alias: string;
  templatesDir?: string;
  /** `.canton-mpc/decentralized/<name>/`: journal, scripts, console log, party.json. */
  dir: string;
  onboarding?: Onboarding;
}

const TITLES: Record<'preflight' | DecentralStepId | 'onboard' | 'record', string> = {
  preflight: 'observe every owner: keys, delegations, decentralized namespace, hosting',
  'namespace-keys': 'generate a NamespaceOnly signing key on each owner (kept in its vault)',
  delegations: "publish each owner's namespace (root delegation of its key)",
  namespace: 'propose the same DecentralizedNamespaceDefinition from the signing owners, wait until listed',
  onboard: 'Workflow 2 for each added owner: the party has contracts, so its ACS is exported to it and imported (a threshold of the owners signs the party side)',
  hosting: 'propose the same PartyToParticipant (owners, permission, confirmation threshold), wait until effective',
  'party-to-key': 'generate ProtocolOnly keys and propose the PartyToKey mapping, wait until effective',
  record: 'record the party id, owners and key fingerprints',
};

export class DecentralRun {
  observation?: DecentralObservation;
  pending: DecentralStepId[] = [];
  signers: string[] = [];
  /** Added owners that Workflow 2 onboards (the party has contracts); empty: the hosting is a topology change only. */
  onboard: string[] = [];
  /** Console runs (JVM starts) of this invocation; Workflow 2 counts its own (the command adds them). */
  consoleRuns = 0;
  private preflightPid?: number;
  /** Every pending step in one console run; with Workflow 2 in between, the steps before it and those after. */
  private readonly batch: StepBatch;
  private readonly late: StepBatch;

  constructor(readonly req: DecentralRequest, readonly io: DecentralIO, readonly journal: Journal, private readonly daemonStartedAt?: string) {
    const notes = (s: ConsoleStep) => {
      // Key names and public fingerprints only: the private keys never leave the owners' vaults.
      if (s.id === 'namespace-keys' || s.id === 'party-to-key') this.journal.record(s.id, 'note', undefined, { keyName: s.id === 'namespace-keys' ? decentralKeyNames(this.req.name).ns : decentralKeyNames(this.req.name).proto, owners: this.req.owners, fingerprints: s.data.keys });
    };
    const start = (steps: () => DecentralStepId[]) => (onStep: (s: ConsoleStep) => void, onSpawn: (pid: number) => void) => {
      this.consoleRuns++;
      return this.io.runScript('party-decentral.canton', this.script(steps()), onStep, onSpawn);
    };
    this.batch = new StepBatch(start(() => this.pending.filter((s) => !this.isLate(s))), notes);
    this.late = new StepBatch(start(() => this.pending.filter((s) => this.isLate(s))), notes);
  }

  /** With Workflow 2 in the plan, the hosting and the PartyToKey mapping wait for it (a second console run). */
  private isLate(id: DecentralStepId): boolean {
    return this.onboard.length > 0 && LATE_STEPS.includes(id);
  }

  /** The running console, for the test kill hook. */
  get consolePid(): number | undefined {
    return this.batch.consolePid ?? this.late.consolePid ?? this.preflightPid;
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
    this.onboard = await this.onboardingNeeded();
    const refusal = ownersDown(this.req, this.observation, this.pending, this.io.alias, this.onboard);
    if (refusal) throw refusal;
    // Workflow 2's own refusals (memory storage, no pg_dump, packages, an owner down) come before any change.
    for (const target of this.onboard) await this.io.onboarding!.check(this.onboardRequest(target));
  }

  /** Added owners of a party that has contracts: they get its ACS through Workflow 2 (the runbook's rule). */
  private async onboardingNeeded(): Promise<string[]> {
    const obs = this.observation!;
    // The added owners that are not full hosts yet: the ones a history would send through Workflow 2.
    const added = onboardingTargets(this.req, obs, 'used');
    if (added.length === 0 || !obs.partyId) return [];
    const hosts = this.req.previousOwners.filter((o) => obs.hosting?.hosts.some((h) => h.uid === obs.owners[o]?.uid));
    if (!this.io.onboarding) {
      throw new UserError(`${added.join(', ')} cannot start hosting ${this.req.name} here: whether the party has contracts cannot be checked, and a new host of a party with contracts needs its ACS (Workflow 2)`, { exitCode: ExitCode.REFUSED, kind: 'party_has_history', hint: 'Run `canton-mpc party decentralize NAME --add P`: it onboards the new owner through Workflow 2 when the party has contracts. Nothing was changed.' });
    }
    const history = await this.io.onboarding.history(obs.partyId, hosts);
    return onboardingTargets(this.req, obs, history.state);
  }

  /** Workflow 2's request for one added owner: exported from a current owner that hosts it and is up. */
  onboardRequest(target: string): ReplicateRequest {
    const obs = this.observation!;
    const hosts = (o: string) => obs.hosting?.hosts.some((h) => h.uid === obs.owners[o]?.uid && !h.onboarding) === true;
    const source = this.req.previousOwners.find((o) => o !== target && hosts(o) && obs.owners[o]?.connected) ?? this.req.previousOwners.find((o) => o !== target && hosts(o)) ?? this.req.previousOwners[0]!;
    // Workflow 2 onboards with Observation or Confirmation; the hosting step upgrades to Submission after it.
    return { partyName: this.req.name, partyId: obs.partyId!, source, target, permission: this.req.permission === 'Observation' ? 'Observation' : 'Confirmation' };
  }

  /** Workflow 2 for every added owner, one after the other. */
  async onboardAll(): Promise<void> {
    for (const target of this.onboard) await this.io.onboarding!.run(this.onboardRequest(target));
  }

  /** JVM starts that applying the plan costs after the preflight (Workflow 2 takes four per added owner). */
  runsToApply(): number {
    const early = this.pending.some((s) => !this.isLate(s)) ? 1 : 0;
    const late = this.pending.some((s) => this.isLate(s)) ? 1 : 0;
    return early + OFFLINE_CONSOLE_RUNS * this.onboard.length + late;
  }

  isPending(id: string): boolean {
    return (this.pending as string[]).includes(id);
  }

  /** Resolves when the batch script reports `id`; the first call starts it (one run for every pending step). */
  step(id: DecentralStepId): Promise<void> {
    return (this.isLate(id) ? this.late : this.batch).step(id);
  }

  result(id: string): Record<string, unknown> | undefined {
    return this.batch.result(id) ?? this.late.result(id);
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
    ...ids.flatMap((id) => [
      ...(id === 'hosting' ? [{ id: 'onboard', title: TITLES.onboard, needed: (r: DecentralRun) => r.onboard.length > 0, apply: (r: DecentralRun) => r.onboardAll() }] : []),
      { id, title: TITLES[id], needed: (r: DecentralRun) => r.isPending(id), apply: (r: DecentralRun) => r.step(id) },
    ]),
    { id: 'record', title: TITLES.record, needed: () => true, apply: (r) => writeDecentralRecord(r.io.dir, r.record()) },
  ];
}
