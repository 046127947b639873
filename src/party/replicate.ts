/**
 * `party replicate`, Workflow 1 (simple party replication), as a Plan on the src/plan/ runner:
 *
 *   preflight                 one read-only console run + the Ledger API history check; every refusal
 *   vet-packages              ┐
 *   propose-party-side        │ one console run for all pending steps, each reporting its own line, so
 *   propose-participant-side  │ the journal records each step as it finishes
 *   await-effective           ┘
 *
 * Two JVM starts at most. Each step's `needed` is what the preflight observed, so a re-run after a crash
 * proposes only what is not there yet (a second identical proposal after the mapping became effective
 * is TOPOLOGY_MAPPING_ALREADY_EXISTS in Canton).
 */
import type { ConsoleRunResult, ConsoleStep } from '../canton/console.js';
import type { Plan } from '../plan/types.js';
import { assessReplication, type Assessment, type ReplicateRequest } from './assess.js';
import { renderReplicateScript, type ReplicateStepId } from './scripts.js';
import { StepBatch } from './step-batch.js';
import type { History, Observation } from './types.js';
import { EXTERNAL_TITLES, externalBatch, type ExternalSigning } from './external-replicate.js';

export const REPLICATE_STEP_IDS = ['preflight', 'vet-packages', 'propose-party-side', 'propose-participant-side', 'await-effective'] as const;
/** An external party signs the target's proposal: the participant side first (external-replicate.ts). */
export const EXTERNAL_REPLICATE_STEP_IDS = ['preflight', 'vet-packages', 'propose-participant-side', 'propose-party-side', 'await-effective'] as const;
/** How long the script waits for vetting and for the mapping to become effective. */
export const REPLICATE_WAIT_SECONDS = 120;

/** The I/O Workflow 1 needs; src/party/io.ts implements it, tests pass fakes. */
export interface PartyIO {
  observe(partyIds: string[], anchor: string): Promise<Observation>;
  history(partyId: string, hosts: string[]): Promise<History>;
  runScript(name: string, script: string, onStep: (s: ConsoleStep) => void, onSpawn: (pid: number) => void): Promise<ConsoleRunResult>;
  /** Configured DAR files that exist now. */
  darFiles: string[];
  projectDir: string;
  alias: string;
  templatesDir?: string;
  /** Who signs for an external party, and the run directory its hash and signature files go to. */
  external?: ExternalSigning;
}

const TITLES: Record<(typeof REPLICATE_STEP_IDS)[number], string> = {
  preflight: 'observe both participants, the mapping and the party history; decide the workflow',
  'vet-packages': 'vet every package the party uses on the target, and check it took effect',
  'propose-party-side': 'propose the hosting on the source (party side)',
  'propose-participant-side': 'propose the same hosting on the target (participant side)',
  'await-effective': 'wait until the mapping is effective (is_known)',
};

export class ReplicationRun {
  observation?: Observation;
  history?: History;
  assessment?: Assessment;
  /** One console run for every pending step (step-batch.ts). */
  private readonly batch = new StepBatch((onStep, onSpawn) => this.runBatch(onStep, onSpawn));

  constructor(
    readonly req: ReplicateRequest,
    readonly io: PartyIO,
    /** An observation the caller already made (to choose the workflow): the first preflight uses it. */
    private pre?: { observation: Observation; history: History },
  ) {}

  /** Observe and decide (the preflight). Throws the refusal, if any, before anything changes. */
  async assess(): Promise<Assessment> {
    const obs = this.pre?.observation ?? (await this.io.observe([this.req.partyId], this.req.source));
    this.observation = obs;
    const hosts = (obs.parties[this.req.partyId]?.mapping?.hosts ?? []).map((h) => h.name ?? `(outside this project) ${h.uid}`);
    this.history = this.pre?.history ?? (await this.io.history(this.req.partyId, hosts));
    this.pre = undefined;
    this.assessment = assessReplication(this.req, obs, this.history, { darFiles: this.io.darFiles.length, alias: this.io.alias, ...(this.io.external ? { externalKey: this.io.external.signer.fingerprint } : {}) });
    return this.assessment;
  }

  pending(id: string): boolean {
    return this.assessment !== undefined && (this.assessment.pending as string[]).includes(id);
  }

  /** The running console, for the test kill hook. */
  get consolePid(): number | undefined {
    return this.batch.consolePid;
  }

  /** Resolves when the batch script reports `id` done; the first call starts the script. */
  step(id: ReplicateStepId): Promise<void> {
    return this.batch.step(id);
  }

  /** Renders the batch and runs it; an external party's signing hooks into the step lines (external-replicate.ts). */
  private runBatch(onStep: (s: ConsoleStep) => void, onSpawn: (pid: number) => void): Promise<unknown> {
    const a = this.assessment!;
    const input = {
      projectDir: this.io.projectDir,
      templatesDir: this.io.templatesDir,
      alias: this.io.alias,
      partyId: this.req.partyId,
      source: this.req.source,
      target: this.req.target,
      permission: this.req.permission,
      steps: a.pending,
      dars: a.pending.includes('vet-packages') ? this.io.darFiles : [],
      packages: a.missingPackages,
      ...(this.req.threshold !== undefined ? { threshold: a.threshold, hosts: a.hosts } : {}),
      ...(a.partySigners ? { partySigners: a.partySigners } : {}),
      waitSeconds: REPLICATE_WAIT_SECONDS,
    };
    const ext = a.decision.externalSignature && this.io.external ? externalBatch(this.io.external, input, this.req.partyName ?? this.req.partyId) : undefined;
    const script = ext ? ext.script : renderReplicateScript(input);
    const lines = (s: ConsoleStep) => {
      ext?.onStep(s);
      onStep(s);
    };
    return this.io.runScript('party-replicate.canton', script, lines, onSpawn).catch((e: unknown) => {
      // A signing that failed explains the console's end better than the console does.
      throw ext ? ext.failure(e) : e;
    });
  }

  result(id: string): Record<string, unknown> | undefined {
    return this.batch.result(id);
  }
}

/** Workflow 1's plan; `external` for an external party (participant side first, the key signs the hash). */
export function buildReplicatePlan(external = false): Plan<ReplicationRun> {
  const titles: Record<string, string> = external ? { ...TITLES, ...EXTERNAL_TITLES } : TITLES;
  return (external ? EXTERNAL_REPLICATE_STEP_IDS : REPLICATE_STEP_IDS).map((id) =>
    id === 'preflight'
      ? { id, title: titles[id]!, needed: () => true, apply: async (r: ReplicationRun) => void (await r.assess()) }
      : { id, title: titles[id]!, needed: (r: ReplicationRun) => r.pending(id), apply: (r: ReplicationRun) => r.step(id) },
  );
}
