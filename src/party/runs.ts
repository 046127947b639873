/**
 * Where replication runs live: `.canton-mpc/replication/<party>-to-<participant>/` holds the run's
 * journal (one record per step and invocation), the rendered console scripts and the console log.
 */
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import type { Topology } from '../config/types.js';
import { readJournal, type JournalRecord } from '../plan/journal.js';

export const REPLICATION_DIR = 'replication';

/** A file-name-safe run directory for party → target. */
export function replicationDir(t: Topology, party: string, target: string): string {
  const safe = (s: string) => s.replace(/::.*/, '').replace(/[^A-Za-z0-9_-]/g, '_');
  return join(t.stateDir, REPLICATION_DIR, `${safe(party)}-to-${safe(target)}`);
}

export interface RunProgress {
  target: string;
  /** The last invocation neither finished nor failed: it was interrupted. */
  state: 'done' | 'failed' | 'interrupted';
  lastStep?: string;
  error?: string;
  at: string;
}

/** Pure: a run journal → how its last invocation ended. */
export function runProgress(target: string, records: JournalRecord[]): RunProgress | undefined {
  const last = records[records.length - 1];
  if (!last) return undefined;
  const inv = records.filter((r) => r.run === last.run);
  const end = inv.find((r) => r.step === 'replicate' && (r.status === 'done' || r.status === 'failed'));
  const done = inv.filter((r) => r.status === 'done' && r.step !== 'replicate');
  return {
    target,
    state: end ? (end.status === 'done' ? 'done' : 'failed') : 'interrupted',
    ...(done.length ? { lastStep: done[done.length - 1]!.step } : {}),
    ...(end?.error ? { error: end.error } : {}),
    at: last.at,
  };
}

/** Every run recorded for `party` (by name or id hint). */
export async function partyRuns(t: Topology, party: string): Promise<RunProgress[]> {
  const base = join(t.stateDir, REPLICATION_DIR);
  const prefix = `${party.replace(/::.*/, '').replace(/[^A-Za-z0-9_-]/g, '_')}-to-`;
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const out: RunProgress[] = [];
  for (const n of names) {
    const p = runProgress(n.slice(prefix.length), await readJournal(join(base, n, 'journal.ndjson')));
    if (p) out.push(p);
  }
  return out;
}
