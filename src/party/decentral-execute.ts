/**
 * Running Workflow 3 for one party: the plan on the shared runner, its journal in the party's directory
 * (`.canton-mpc/decentralized/<name>/journal.ndjson`). `party decentralize` and `up` (for
 * `parties.<name>.decentralized`) both come through here.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openJournal } from '../plan/journal.js';
import { describePlan, runPlan } from '../plan/runner.js';
import type { PlannedStep, StepOutcome } from '../plan/types.js';
import type { DecentralRequest } from './decentral-decide.js';
import { withDecentralHint } from './decentral-errors.js';
import { buildDecentralPlan, DecentralRun, type DecentralIO, type Onboarding } from './decentral.js';
import { createOfflineIO, createPartyIO, type PartyEnv } from './io.js';
import type { ReplicateRequest } from './assess.js';
import { executeOffline } from './execute.js';
import { importInterrupted, offlineMemory, OfflineRun } from './offline.js';
import { ExitCode, UserError } from '../errors.js';
import { replicationDir } from './runs.js';
import { readJournal } from '../plan/journal.js';

export interface DecentralOptions {
  signal?: AbortSignal;
  onStep?: (s: { id: string; title: string; index: number; total: number }) => void;
  /** Test kill hook: called after each step's journal record. */
  afterJournal?: (run: DecentralRun, stepId: string) => void;
  /** Recorded with the party (see currentDecentralRecord). */
  daemonStartedAt?: string;
}

/** How Workflow 2 inside a decentralized change reports (the command's progress lines, the test kill hook). */
export interface OnboardingHooks {
  info?: (line: string) => void;
  onStep?: (s: { id: string; title: string; index: number; total: number }) => void;
  afterJournalOffline?: (run: OfflineRun, stepId: string) => void;
  /** Workflow 2's JVM starts (its IO counts them), added to the decentralized run's. */
  onConsoleRuns?: (n: number) => void;
}

export function decentralIO(env: PartyEnv, hooks: OnboardingHooks = {}): DecentralIO {
  const base = createPartyIO(env);
  return {
    projectDir: base.projectDir, alias: base.alias, templatesDir: env.templatesDir, dir: env.dir,
    runScript: (name, script, onStep, onSpawn) => base.runScript(name, script, onStep, onSpawn).catch((e: unknown) => { throw withDecentralHint(e); }),
    onboarding: onboardingIO(env, hooks),
  };
}

/** Workflow 2 for an added owner, on the same adapters and run directory as `party replicate`. */
function onboardingIO(env: PartyEnv, hooks: OnboardingHooks): Onboarding {
  const processEnv = env.processEnv ?? process.env;
  const offlineIO = (req: ReplicateRequest) => {
    const dir = replicationDir(env.topology, req.partyName ?? req.partyId, req.target);
    return { io: createOfflineIO({ ...env, dir }, req.target, processEnv), dir };
  };
  /** Workflow 2's memory of this target; an import that was cut short is never retried from here. */
  const memory = async (req: ReplicateRequest, dir: string) => {
    const mem = offlineMemory(await readJournal(join(dir, 'journal.ndjson')));
    if (importInterrupted(mem)) {
      // `party replicate` restores the target from its step-9 backup before importing again (restore.ts); that
      // stops and restarts the daemon, which this plan does not do in the middle of a topology change.
      throw new UserError(`an ACS import of ${req.partyName} on ${req.target} was interrupted (journal in ${dir}); canton-mpc never imports again on top of a partial import`, {
        exitCode: ExitCode.REFUSED, kind: 'import_interrupted',
        hint: `Run \`canton-mpc party replicate ${req.partyName} --to ${req.target} --permission ${req.permission.toLowerCase()}\` first: it restores ${req.target} from the backup and completes Workflow 2. Then run this command again; it finishes the rest.`,
      });
    }
    return mem;
  };
  return {
    history: (partyId, hosts) => createPartyIO({ processEnv, ...env }).history(partyId, hosts),
    async check(req) {
      const { io, dir } = offlineIO(req);
      const mem = await memory(req, dir);
      try {
        await new OfflineRun(req, io, dir, { path: '', record() {} }, mem, () => undefined).assess();
      } finally {
        hooks.onConsoleRuns?.(io.consoleRuns);
      }
    },
    async run(req) {
      const { io, dir } = offlineIO(req);
      await memory(req, dir);
      hooks.info?.(`${req.target} gets the ACS of ${req.partyName}: Workflow 2 from ${req.source} (journal in ${dir})`);
      try {
        await executeOffline(io, req, dir, { signal: env.signal, info: hooks.info ?? (() => undefined), ...(hooks.onStep ? { onStep: hooks.onStep } : {}), ...(hooks.afterJournalOffline ? { afterJournalOffline: hooks.afterJournalOffline } : {}) });
      } finally {
        hooks.onConsoleRuns?.(io.consoleRuns);
      }
    },
  };
}

const newJournal = (dir: string) => openJournal(join(dir, 'journal.ndjson'), randomBytes(6).toString('hex'));

export async function executeDecentral(io: DecentralIO, req: DecentralRequest, o: DecentralOptions = {}): Promise<{ run: DecentralRun; outcomes: StepOutcome[] }> {
  const journal = await newJournal(io.dir);
  const run = new DecentralRun(req, io, journal, o.daemonStartedAt);
  journal.record('decentralize', 'started', undefined, { owners: req.owners, threshold: req.threshold, confirmationThreshold: req.confirmationThreshold });
  try {
    const outcomes = await runPlan(buildDecentralPlan(req.partyToKey), run, {
      journal, signal: o.signal, onStep: o.onStep, ...(o.afterJournal ? { afterJournal: (id: string) => o.afterJournal!(run, id) } : {}),
    });
    journal.record('decentralize', 'done');
    return { run, outcomes };
  } catch (e) {
    journal.record('decentralize', 'failed', e instanceof Error ? e.message : String(e));
    throw e;
  }
}

/** `--dry-run`: one observation, then every step with done/pending; nothing changes. */
export async function describeDecentral(io: DecentralIO, req: DecentralRequest): Promise<{ run: DecentralRun; steps: PlannedStep[]; refusal?: string }> {
  const run = new DecentralRun(req, io, { path: '', record() {} });
  let refusal: string | undefined;
  // A refusal (an owner down) is part of what the dry run reports, not a reason to show no plan.
  await run.assess().catch((e: unknown) => {
    if (!run.observation) throw e;
    refusal = e instanceof Error ? e.message : String(e);
  });
  const steps = await describePlan(buildDecentralPlan(req.partyToKey), run);
  // The onboard step exists only when an added owner needs the ACS; otherwise it is not part of the plan to show.
  return { run, steps: steps.filter((s) => s.id !== 'preflight' && (s.id !== 'onboard' || run.onboard.length > 0)).map((s) => (s.id === 'record' ? { ...s, pending: run.pending.length > 0 } : s)), ...(refusal ? { refusal } : {}) };
}
