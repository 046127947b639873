/**
 * Restoring a participant's database from a backup canton-mpc took before an ACS import (step 9 of
 * Workflow 2). All nodes run in one Canton daemon, so that means stopping it, pg_restore, and starting
 * it again with `up` (its bootstrap is idempotent; the target stays disconnected, manualConnect set).
 * Only a backup whose import never completed may be restored: after a completed replication the same
 * backup would fork the ledger silently (the runbook's warning).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError } from '../errors.js';
import { openJournal, readJournal } from '../plan/journal.js';
import { stopProcessGroup } from '../state/pids.js';
import { readState, type State } from '../state/state.js';
import { createOfflineIO } from './io.js';
import { importInterrupted, offlineMemory } from './offline.js';

export interface BackupRef {
  path: string;
  sha256: string;
  database: string;
}

export async function restoreTargetBackup(
  ctx: CommandContext,
  topology: Topology,
  state: State | undefined,
  target: string,
  dir: string,
  backup: BackupRef,
  lock: { unlock: () => void; relock: () => void },
): Promise<void> {
  const out = ctx.output;
  out.info('all nodes run in one Canton daemon: stopping it, running pg_restore, then starting it again (the bootstrap is idempotent)');
  await stopProcessGroup(state?.canton, { graceMs: 10_000 });
  const io = createOfflineIO({ topology, state, runner: ctx.runner, signal: ctx.signal, dir }, target, ctx.env);
  await io.restoreTarget(backup);
  const journal = await openJournal(join(dir, 'journal.ndjson'), randomBytes(6).toString('hex'));
  journal.record('restore-backup', 'note', undefined, { from: backup.path, sha256: backup.sha256 });
  // The nested `up` reports through this command: no result document and no event stream of its own.
  // A plain copy (not a prototype chain): `up` spreads its output when it wires the event stream.
  // `json: false`: the nested stream writes nothing to stdout (this command's stream is the one there).
  const quiet: typeof ctx.output = { ...ctx.output, json: false, result() {}, event() {} };
  // `up` takes the project lock itself.
  lock.unlock();
  let code: number;
  try {
    // With the storage it ran with: `up --storage postgres` is recorded in state.json, and a daemon that is
    // down no longer carries it (`up` alone would start the nodes on the config's storage, memory).
    code = await (await import('../commands/up.js')).run({ ...ctx, output: quiet }, state?.storageOverride ? { storage: state.storageOverride } : {});
  } finally {
    lock.relock();
  }
  if (code !== ExitCode.OK) throw new UserError(`canton-mpc up did not bring the topology back after the restore (exit ${code})`, { hint: 'Run `canton-mpc up`, then the same command again.' });
}

/**
 * Before Workflow 2 (`party replicate`, or an owner added by `party decentralize`) resumes for `target`:
 * if its journal in `dir` shows an import that started and never finished, restore the step-9 backup
 * first (the daemon restarts), so nothing is ever imported on top of a partial import. Returns the state
 * to go on with (re-read after a restore).
 */
export async function recoverInterruptedImport(ctx: CommandContext, topology: Topology, state: State | undefined, target: string, dir: string, lock: { unlock: () => void; relock: () => void }): Promise<State | undefined> {
  const mem = offlineMemory(await readJournal(join(dir, 'journal.ndjson')));
  if (!importInterrupted(mem)) return state;
  if (!mem.backup) throw new UserError('an ACS import was interrupted, but no backup of the target is journaled', { hint: `Inspect ${dir}; canton-mpc will not import again on top of a partial import.`, exitCode: ExitCode.REFUSED, kind: 'no_backup' });
  ctx.output.info(`an ACS import on ${target} was interrupted: restoring ${mem.backup.database} from the step-9 backup ${mem.backup.path} before importing again`);
  await restoreTargetBackup(ctx, topology, state, target, dir, mem.backup, lock);
  return readState(topology.stateDir);
}
