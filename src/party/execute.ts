/**
 * Running Workflow 1 for one party and target: the plan on the shared runner, with its journal in the
 * run directory. `party replicate` and `up` (for `alsoHostedOn`) both come through here.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openJournal } from '../plan/journal.js';
import { runPlan } from '../plan/runner.js';
import type { StepOutcome } from '../plan/types.js';
import type { ReplicateRequest } from './assess.js';
import { buildReplicatePlan, ReplicationRun, type PartyIO } from './replicate.js';

export interface ExecuteOptions {
  signal?: AbortSignal;
  onStep?: (s: { id: string; title: string; index: number; total: number }) => void;
  /** Called with the run once it exists, after each step's journal record (test kill hook). */
  afterJournal?: (run: ReplicationRun, stepId: string) => void;
}

export async function executeReplication(io: PartyIO, req: ReplicateRequest, dir: string, o: ExecuteOptions = {}): Promise<{ run: ReplicationRun; outcomes: StepOutcome[] }> {
  const run = new ReplicationRun(req, io);
  const journal = await openJournal(join(dir, 'journal.ndjson'), randomBytes(6).toString('hex'));
  journal.record('replicate', 'started');
  try {
    const outcomes = await runPlan(buildReplicatePlan(), run, {
      journal,
      signal: o.signal,
      onStep: o.onStep,
      ...(o.afterJournal ? { afterJournal: (id: string) => o.afterJournal!(run, id) } : {}),
    });
    journal.record('replicate', 'done');
    return { run, outcomes };
  } catch (e) {
    journal.record('replicate', 'failed', e instanceof Error ? e.message : String(e));
    throw e;
  }
}
