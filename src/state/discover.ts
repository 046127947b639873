import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from './pids.js';
import type { ProcessRef } from './state.js';
import { fallbackDataDir } from '../postgres/root.js';

/**
 * Finding a project's processes without trusting state.json: by markers every process we start
 * carries, so `down` stops everything even when the state file is missing, stale or corrupt, and
 * `up` never starts a second copy of something that survived a killed run.
 *
 * Markers are exact argv tokens or environment entries (never substrings, so `tail -f
 * .canton-mpc/logs/canton.log` or a neighbouring `.canton-mpc2` is never mistaken for ours):
 * - signer supervisor: argv holds `<stateDir>/signer-spec.json`;
 * - signer: its environment holds `CANTON_MPC_SIGNER_OF=<stateDir>` (set by the supervisor);
 * - Canton daemon (launcher and JVM): argv holds `<stateDir>/config/canton.conf`;
 * - embedded PostgreSQL: argv holds `-D <stateDir>/postgres`.
 */
export const SIGNER_MARKER_ENV = 'CANTON_MPC_SIGNER_OF';

export type ProcessRole = 'supervisor' | 'signer' | 'canton' | 'postgres';

export interface FoundProcess extends ProcessRef {
  role: ProcessRole;
  /** Process group id: our processes lead their own group, so the group is what gets signalled. */
  pgid: number;
}

interface ProcInfo {
  pid: number;
  pgid: number;
  state: string;
  argv: string[];
}

function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv[argv.length - 1] === '') argv.pop();
    return { pid, pgid: Number(rest[2]), state: rest[0] ?? '', argv };
  } catch {
    return undefined;
  }
}

function environHas(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
  } catch {
    return false;
  }
}

export function projectMarkers(stateDir: string, env: NodeJS.ProcessEnv = process.env) {
  return {
    supervisorArg: join(stateDir, 'signer-spec.json'),
    signerEnv: `${SIGNER_MARKER_ENV}=${stateDir}`,
    cantonArg: join(stateDir, 'config', 'canton.conf'),
    // As root the data may live outside the project (postgres/root.ts).
    postgresDataDirs: [join(stateDir, 'postgres'), fallbackDataDir(stateDir, env)],
  };
}

/** Which of our roles this command line plays for the project, if any. Pure (tests use tables). */
export function roleOf(argv: readonly string[], m: ReturnType<typeof projectMarkers>): ProcessRole | undefined {
  if (argv.includes(m.supervisorArg)) return 'supervisor';
  if (argv.includes(m.cantonArg)) return 'canton';
  const d = argv.indexOf('-D');
  if (d >= 0 && m.postgresDataDirs.includes(argv[d + 1] ?? '')) return 'postgres';
  return undefined;
}

/** Every live (non-zombie) process of the project, found by marker. Empty where /proc is absent. */
export function findProjectProcesses(stateDir: string, env: NodeJS.ProcessEnv = process.env): FoundProcess[] {
  if (!existsSync('/proc/self/stat')) return [];
  const m = projectMarkers(stateDir, env);
  const out: FoundProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const info = readProc(pid);
    if (!info || info.state === 'Z') continue;
    const role = roleOf(info.argv, m) ?? (environHas(pid, m.signerEnv) ? 'signer' : undefined);
    if (!role) continue;
    out.push({ role, pid, pgid: info.pgid, startTime: processStartTime(pid), startedAt: '' });
  }
  return out;
}

export function byRole(found: FoundProcess[], ...roles: ProcessRole[]): FoundProcess[] {
  return found.filter((p) => roles.includes(p.role));
}

/**
 * What to signal to stop a found process: its group when it leads it or the leader is gone (an
 * orphaned signer of a killed supervisor), else the process alone, so a group we did not create
 * (someone's shell) is never signalled.
 */
export function stopTarget(p: FoundProcess): ProcessRef {
  if (p.pgid === p.pid || processStartTime(p.pgid) === undefined) return { pid: p.pgid, startedAt: '' };
  return { pid: p.pid, startTime: p.startTime, startedAt: '' };
}

/** Live processes running from `dir` (an argv token below it): e.g. daemons of a Canton release. */
export function processesUsing(dir: string): Array<{ pid: number; command: string }> {
  if (!existsSync('/proc/self/stat')) return [];
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const out: Array<{ pid: number; command: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const info = readProc(Number(name));
    if (info && info.state !== 'Z' && info.argv.some((a) => a.startsWith(prefix) || a.includes(`:${prefix}`))) out.push({ pid: info.pid, command: info.argv.join(' ').slice(0, 120) });
  }
  return out;
}
