import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { liveGroupMembers, isOurProcess, stopProcessGroup, type StopOutcome } from './pids.js';
import type { ProcessRef, State } from './state.js';
import { byRole, findProjectProcesses, stopTarget, type ProcessRole } from './discover.js';

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

const ORDER: Array<[keyof StopReport, ProcessRole[], number, NodeJS.Signals]> = [
  ['signer', ['supervisor', 'signer'], SIGNER_STOP_GRACE_MS, 'SIGTERM'],
  ['canton', ['canton'], CANTON_STOP_GRACE_MS, 'SIGTERM'],
  ['postgres', ['postgres'], POSTGRES_STOP_GRACE_MS, 'SIGINT'],
];

function worse(a: StopOutcome, b: StopOutcome): StopOutcome {
  const rank = { 'not-running': 0, stopped: 1, killed: 2 } as const;
  return rank[a] >= rank[b] ? a : b;
}

/**
 * Stop everything of the project: what state.json records, then whatever else carries the
 * project's markers (a run killed before it recorded a pid, a corrupt or missing state file, an
 * orphaned signer). Each process group is signalled once, in dependency order.
 */
export async function stopProject(stateDir: string, state: State | undefined, opts: { onStep?: (what: string) => void } = {}): Promise<StopReport & { strays: number }> {
  const report: StopReport = state ? await stopTopology(state, opts) : { signer: 'not-running', canton: 'not-running', postgres: 'not-running' };
  let strays = 0;
  for (const [what, roles, graceMs, signal] of ORDER) {
    const targets = new Map(byRole(findProjectProcesses(stateDir), ...roles).map((p) => [stopTarget(p).pid, stopTarget(p)]));
    if (targets.size) opts.onStep?.(what);
    for (const ref of targets.values()) {
      strays++;
      report[what] = worse(report[what], await stopProcessGroup(ref, { graceMs, signal }));
    }
  }
  return { ...report, strays };
}

export async function removeStateDir(stateDir: string, extraDirs: string[] = []): Promise<void> {
  // Only what canton-mpc writes there; a user file placed in .canton-mpc/ would be removed too,
  // which `down --wipe` states in its confirmation prompt. `extraDirs`: data kept outside the
  // project (the embedded PostgreSQL's, as root; see postgres/root.ts).
  await fsp.rm(stateDir, { recursive: true, force: true });
  for (const d of extraDirs) await fsp.rm(d, { recursive: true, force: true });
}

export function logsDir(stateDir: string): string {
  return join(stateDir, 'logs');
}
