/**
 * Running Workflow 1 for one party and target: the plan on the shared runner, with its journal in the
 * run directory. `party replicate` and `up` (for `alsoHostedOn`) both come through here.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openJournal, readJournal } from '../plan/journal.js';
import { runPlan } from '../plan/runner.js';
import type { StepOutcome } from '../plan/types.js';
import type { ReplicateRequest } from './assess.js';
import { buildReplicatePlan, ReplicationRun, type PartyIO } from './replicate.js';
import { buildOfflinePlan, offlineMemory, OfflineRun, type OfflineIO } from './offline.js';
import type { History, Observation } from './types.js';

export interface ExecuteOptions {
  signal?: AbortSignal;
  onStep?: (s: { id: string; title: string; index: number; total: number }) => void;
  /** Called with the run once it exists, after each step's journal record (test kill hook). */
  afterJournal?: (run: ReplicationRun, stepId: string) => void;
}

export async function executeReplication(io: PartyIO, req: ReplicateRequest, dir: string, o: ExecuteOptions & { pre?: { observation: Observation; history: History } } = {}): Promise<{ run: ReplicationRun; outcomes: StepOutcome[] }> {
  const run = new ReplicationRun(req, io, o.pre);
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

/** Workflow 2 for one party and target, resuming whatever the run directory's journal says. */
export async function executeOffline(
  io: OfflineIO,
  req: ReplicateRequest,
  dir: string,
  o: ExecuteOptions & { info: (line: string) => void; pre?: { observation: Observation; history: History }; afterJournalOffline?: (run: OfflineRun, stepId: string) => void },
): Promise<{ run: OfflineRun; outcomes: StepOutcome[] }> {
  const path = join(dir, 'journal.ndjson');
  const mem = offlineMemory(await readJournal(path));
  const journal = await openJournal(path, randomBytes(6).toString('hex'));
  const run = new OfflineRun(req, io, dir, journal, mem, o.info, o.pre);
  journal.record('replicate', 'started');
  try {
    const outcomes = await runPlan(buildOfflinePlan(), run, {
      journal,
      signal: o.signal,
      onStep: o.onStep,
      ...(o.afterJournalOffline ? { afterJournal: (id: string) => o.afterJournalOffline!(run, id) } : {}),
    });
    journal.record('replicate', 'done');
    return { run, outcomes };
  } catch (e) {
    journal.record('replicate', 'failed', e instanceof Error ? e.message : String(e));
    throw e;
  }
}
