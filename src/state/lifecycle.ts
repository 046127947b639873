import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { liveGroupMembers, isOurProcess, stopProcessGroup, type StopOutcome } from './pids.js';
import type { ProcessRef, State } from './state.js';

/** Named so the message can say how long we waited before SIGKILL. */
export const SIGNER_STOP_GRACE_MS = 5_000;
export const CANTON_STOP_GRACE_MS = 20_000;
export const POSTGRES_STOP_GRACE_MS = 15_000;

export interface StopReport {
  signer: StopOutcome;
  canton: StopOutcome;
  postgres: StopOutcome;
}

/** Every pid in the process groups we started: the doctor's port check treats them as ours. */
export function ownPids(state: State | undefined): number[] {
  if (!state) return [];
  const refs = [state.canton, state.postgres?.server, state.signer?.supervisor].filter((r): r is ProcessRef => r !== undefined);
  const pids = new Set<number>();
  for (const r of refs) {
    if (isOurProcess(r)) pids.add(r.pid);
    for (const p of liveGroupMembers(r.pid)) pids.add(p);
  }
  return [...pids];
}

/**
 * Stop in dependency order: the signer (it talks to Canton), Canton (it talks to Postgres), then
 * the embedded Postgres, whose fast shutdown is SIGINT.
 */
export async function stopTopology(state: State, opts: { keepPostgres?: boolean; onStep?: (what: string) => void } = {}): Promise<StopReport> {
  opts.onStep?.('signer');
  const signer = await stopProcessGroup(state.signer?.supervisor, { graceMs: SIGNER_STOP_GRACE_MS });
  opts.onStep?.('canton');
  const canton = await stopProcessGroup(state.canton, { graceMs: CANTON_STOP_GRACE_MS });
  let postgres: StopOutcome = 'not-running';
  if (!opts.keepPostgres && state.postgres?.embedded) {
    opts.onStep?.('postgres');
    postgres = await stopProcessGroup(state.postgres.server, { graceMs: POSTGRES_STOP_GRACE_MS, signal: 'SIGINT' });
  }
  return { signer, canton, postgres };
}

export async function removeStateDir(stateDir: string): Promise<void> {
  // Only what canton-mpc writes there; a user file placed in .canton-mpc/ would be removed too,
  // which `down --wipe` states in its confirmation prompt.
  await fsp.rm(stateDir, { recursive: true, force: true });
}

export function logsDir(stateDir: string): string {
  return join(stateDir, 'logs');
}
