import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAlive } from '../system/process.js';
import type { ProcessRef } from './state.js';

/**
 * The kernel start time of a process (`/proc/<pid>/stat` field 22). The command name (field 2) may
 * contain spaces and parentheses, so fields are counted from the last ')'.
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state), so field 22 is rest[19].
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The process state letter (`Z` for a zombie, which is not "running" for our purposes). */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Is this still the process we started (same pid, same start time, not a zombie)? */
export function isOurProcess(ref: ProcessRef | undefined): boolean {
  if (!ref || !isAlive(ref.pid)) return false;
  if (processState(ref.pid) === 'Z') return false;
  if (ref.startTime === undefined) return true;
  const now = processStartTime(ref.pid);
  return now === undefined || now === ref.startTime;
}

export function processRef(pid: number): ProcessRef {
  return { pid, startTime: processStartTime(pid), startedAt: new Date().toISOString() };
}

export const STOP_GRACE_MS = 10_000;
const STOP_POLL_MS = 50;

export type StopOutcome = 'not-running' | 'stopped' | 'killed';

/**
 * Live (non-zombie) members of a process group. `kill(-pgid, 0)` also succeeds for zombies, which
 * linger in containers whose init does not reap, so /proc is consulted where it exists.
 */
export function liveGroupMembers(pgid: number): number[] {
  if (!existsSync('/proc/self/stat')) return isAlive(-pgid) ? [pgid] : [];
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') out.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

function groupAlive(pgid: number): boolean {
  return liveGroupMembers(pgid).length > 0;
}

/**
 * Stop a process group we started: `signal` (SIGTERM by default) to the whole group, then SIGKILL
 * once `graceMs` has passed. Resolves when no member of the group is left.
 */
export async function stopProcessGroup(ref: ProcessRef | undefined, opts: { graceMs?: number; signal?: NodeJS.Signals } = {}): Promise<StopOutcome> {
  if (!ref) return 'not-running';
  if (!isOurProcess(ref)) {
    // The leader is gone but members of its group may live on (a crashed daemon's children).
    // Linux does not hand out a pid that is still some group's id, so those members are ours.
    const leaderAlive = processStartTime(ref.pid) !== undefined && processState(ref.pid) !== 'Z';
    if (leaderAlive || !groupAlive(ref.pid)) return 'not-running';
  }
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-ref.pid, sig);
    } catch {
      try {
        process.kill(ref.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  send(opts.signal ?? 'SIGTERM');
  const deadline = Date.now() + (opts.graceMs ?? STOP_GRACE_MS);
  while (Date.now() < deadline) {
    if (!groupAlive(ref.pid) && !isOurProcess(ref)) return 'stopped';
    await new Promise((r) => setTimeout(r, STOP_POLL_MS));
  }
  send('SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (Date.now() < killDeadline && (groupAlive(ref.pid) || isOurProcess(ref))) await new Promise((r) => setTimeout(r, STOP_POLL_MS));
  return 'killed';
}
