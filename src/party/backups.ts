/**
 * The backups canton-mpc took (step 9 of Workflow 2), read from the replication journals, and whether
 * each may still be restored: only while its import has not completed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Topology } from '../config/types.js';
import { readJournal } from '../plan/journal.js';
import { offlineMemory } from './offline.js';
import { REPLICATION_DIR } from './runs.js';

export interface BackupInfo {
  id: string;
  run: string;
  target: string;
  database: string;
  path: string;
  sha256: string;
  at: string;
  exists: boolean;
  /** The import that followed it completed: restoring it now would fork the ledger. */
  spent: boolean;
  importInterrupted: boolean;
}

export async function listBackups(t: Topology): Promise<BackupInfo[]> {
  const base = join(t.stateDir, REPLICATION_DIR);
  let runs: string[];
  try {
    runs = readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  const out: BackupInfo[] = [];
  for (const run of runs.sort()) {
    const records = await readJournal(join(base, run, 'journal.ndjson'));
    const mem = offlineMemory(records);
    for (const r of records) {
      if (r.step !== 'backup-target' || r.status !== 'note' || !r.data) continue;
      const d = r.data as { path: string; sha256: string; database: string };
      // Spent once an import after this backup was journaled done.
      const after = records.slice(records.indexOf(r));
      const spent = after.some((x) => x.step === 'import-acs' && x.status === 'done');
      out.push({
        id: basename(d.path), run, target: run.replace(/^.*-to-/, ''), database: d.database, path: d.path, sha256: d.sha256, at: r.at,
        exists: existsSync(d.path), spent, importInterrupted: !spent && mem.importStarted && !mem.importDone,
      });
    }
  }
  return out;
}
