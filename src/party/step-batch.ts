/**
 * One console run for several plan steps (Workflows 1 and 3): the script prints a
 * `CANTON_MPC_STEP <id>` line as each step finishes, and the step's promise resolves right then, so the
 * runner journals every step as it lands. The run starts on the first `step()` call; a step the run
 * never reported fails with the run's error.
 */
import type { ConsoleStep } from '../canton/console.js';
import { RemoteError } from '../errors.js';

export type StartRun = (onStep: (s: ConsoleStep) => void, onSpawn: (pid: number) => void) => Promise<unknown>;

export class StepBatch {
  /** The running console, for the test kill hook. */
  consolePid?: number;
  private readonly results = new Map<string, Record<string, unknown>>();
  private readonly waiters = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  private started?: Promise<void>;
  private error?: unknown;
  private done = false;

  constructor(private readonly start: StartRun, private readonly onLine?: (s: ConsoleStep) => void) {}

  /** Resolves when the script reports `id`; the first call starts the script. */
  step(id: string): Promise<void> {
    if (this.results.has(id)) return Promise.resolve();
    if (this.done) return Promise.reject(this.error ?? new RemoteError(`the console script ended without reporting ${id}`));
    const waiting = new Promise<void>((resolve, reject) => this.waiters.set(id, { resolve, reject }));
    this.started ??= this.start(
      (s) => {
        this.results.set(s.id, s.data);
        this.onLine?.(s);
        this.waiters.get(s.id)?.resolve();
      },
      (pid) => (this.consolePid = pid),
    ).then(
      () => this.settle(undefined),
      (e: unknown) => this.settle(e),
    );
    return waiting;
  }

  private settle(e: unknown): void {
    this.done = true;
    this.error = e;
    this.consolePid = undefined;
    for (const [id, w] of this.waiters) if (!this.results.has(id)) w.reject(e ?? new RemoteError(`the console script ended without reporting ${id}`));
  }

  result(id: string): Record<string, unknown> | undefined {
    return this.results.get(id);
  }
}
