/**
 * Running Workflow 1 for one party and target: the plan on the shared runner, with its journal in the
 * run directory. `party replicate` and `up` (for `alsoHostedOn`) both come through here.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openJournal, readJournal, type Journal } from '../plan/journal.js';
import { runPlan } from '../plan/runner.js';
import type { Plan, StepOutcome } from '../plan/types.js';
import type { ReplicateRequest } from './assess.js';
import { buildReplicatePlan, ReplicationRun, type PartyIO } from './replicate.js';
import { buildOfflinePlan, offlineMemory, OfflineRun, type OfflineIO } from './offline.js';
import type { History, Observation } from './types.js';

export interface ExecuteOptions {
  signal?: AbortSignal;
  onStep?: (s: { id: string; title: string; index: number; total: number }) => void;
  /** After each step, run or skipped (the NDJSON event stream). */
  onOutcome?: (o: StepOutcome) => void;
  /** Called with the run once it exists, after each step's journal record (test kill hook). */
  afterJournal?: (run: ReplicationRun, stepId: string) => void;
}

/** One invocation of a replication plan: `replicate` started/done/failed around the plan's own records. */
async function runInvocation<R>(journal: Journal, plan: Plan<R>, run: R, o: ExecuteOptions, afterJournal?: (run: R, stepId: string) => void): Promise<{ run: R; outcomes: StepOutcome[] }> {
  journal.record('replicate', 'started');
  try {
    const outcomes = await runPlan(plan, run, { journal, signal: o.signal, onStep: o.onStep, onOutcome: o.onOutcome, ...(afterJournal ? { afterJournal: (id: string) => afterJournal(run, id) } : {}) });
    journal.record('replicate', 'done');
    return { run, outcomes };
  } catch (e) {
    journal.record('replicate', 'failed', e instanceof Error ? e.message : String(e));
    throw e;
  }
}

const newJournal = (dir: string) => openJournal(join(dir, 'journal.ndjson'), randomBytes(6).toString('hex'));

export async function executeReplication(io: PartyIO, req: ReplicateRequest, dir: string, o: ExecuteOptions & { pre?: { observation: Observation; history: History } } = {}): Promise<{ run: ReplicationRun; outcomes: StepOutcome[] }> {
  return runInvocation(await newJournal(dir), buildReplicatePlan(io.external !== undefined), new ReplicationRun(req, io, o.pre), o, o.afterJournal);
}

/** Workflow 2 for one party and target, resuming whatever the run directory's journal says. */
export async function executeOffline(
  io: OfflineIO,
  req: ReplicateRequest,
  dir: string,
  o: ExecuteOptions & { info: (line: string) => void; pre?: { observation: Observation; history: History }; afterJournalOffline?: (run: OfflineRun, stepId: string) => void },
): Promise<{ run: OfflineRun; outcomes: StepOutcome[] }> {
  const mem = offlineMemory(await readJournal(join(dir, 'journal.ndjson')));
  const journal = await newJournal(dir);
  return runInvocation(journal, buildOfflinePlan(), new OfflineRun(req, io, dir, journal, mem, o.info, o.pre), o, o.afterJournalOffline);
}
