import type { Journal } from './journal.js';
import type { Plan, PlannedStep, StepOutcome } from './types.js';

export interface RunPlanOptions {
  journal: Journal;
  /** Called before each step that will run (progress display). */
  onStep?: (step: { id: string; title: string; index: number; total: number }) => void;
  /** Called after each step, run or skipped. */
  onOutcome?: (outcome: StepOutcome) => void;
  /**
   * Test hook: called after a step's `done` record is on disk. The CLI wires
   * `CANTON_MPC_TEST_KILL_AT=<step-id>` to a SIGKILL of itself here.
   */
  afterJournal?: (stepId: string) => void;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Run the steps in order. A step whose effect is already observed is skipped (and journaled as
 * such); a failing step is journaled as failed and its error propagates unchanged.
 */
export async function runPlan<R>(plan: Plan<R>, run: R, opts: RunPlanOptions): Promise<StepOutcome[]> {
  const now = opts.now ?? Date.now;
  const outcomes: StepOutcome[] = [];
  for (const [index, step] of plan.entries()) {
    opts.signal?.throwIfAborted();
    const t0 = now();
    let outcome: StepOutcome;
    if (!(await step.needed(run))) {
      opts.journal.record(step.id, 'skipped');
      outcome = { id: step.id, title: step.title, status: 'skipped', ms: now() - t0 };
    } else {
      opts.onStep?.({ id: step.id, title: step.title, index, total: plan.length });
      opts.journal.record(step.id, 'started');
      try {
        await step.apply(run);
      } catch (e) {
        opts.journal.record(step.id, 'failed', e instanceof Error ? e.message : String(e));
        opts.onOutcome?.({ id: step.id, title: step.title, status: 'failed', ms: now() - t0 });
        throw e;
      }
      opts.journal.record(step.id, 'done');
      outcome = { id: step.id, title: step.title, status: 'done', ms: now() - t0 };
    }
    outcomes.push(outcome);
    opts.onOutcome?.(outcome);
    opts.afterJournal?.(step.id);
  }
  return outcomes;
}

/** `--dry-run`: ask every step whether it is needed, change nothing. */
export async function describePlan<R>(plan: Plan<R>, run: R): Promise<PlannedStep[]> {
  const out: PlannedStep[] = [];
  for (const step of plan) out.push({ id: step.id, title: step.title, pending: await step.needed(run) });
  return out;
}
