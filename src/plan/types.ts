/**
 * A plan is an ordered list of steps. Each step observes whether its effect is already in place
 * (`needed`) before it acts (`apply`), so a re-run converges and an interrupted run resumes from
 * what is really there rather than from what a journal claims.
 */
export interface Step<R> {
  /** Stable identifier, recorded in the journal and accepted by the test kill hook. */
  id: string;
  title: string;
  /** Observe, without side effects (`--dry-run` calls it): is this step's effect missing? */
  needed(run: R): boolean | Promise<boolean>;
  apply(run: R): Promise<void>;
}

export type Plan<R> = ReadonlyArray<Step<R>>;

/** `note`: a value a later step (or a resumed run) needs, recorded before that step runs. */
export type StepStatus = 'started' | 'done' | 'failed' | 'skipped' | 'note';

export interface StepOutcome {
  id: string;
  title: string;
  status: 'done' | 'skipped' | 'failed';
  ms: number;
}

/** What `--dry-run` prints: each step with whether it would run. */
export interface PlannedStep {
  id: string;
  title: string;
  pending: boolean;
}
