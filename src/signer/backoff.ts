/** Restart delays for the signer: exponential from `baseMs`, capped, reset after a stable run. */
export const RESTART_BASE_MS = 500;
export const RESTART_MAX_MS = 30_000;
/** A run this long counts as healthy: the next crash starts the backoff again from the base. */
export const STABLE_RUN_MS = 60_000;

export function restartDelay(consecutiveFailures: number, baseMs = RESTART_BASE_MS, maxMs = RESTART_MAX_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, consecutiveFailures - 1));
}

export function nextFailureCount(previous: number, ranMs: number, stableMs = STABLE_RUN_MS): number {
  return ranMs >= stableMs ? 1 : previous + 1;
}

export interface SupervisorSpec {
  /** Rewrite the signer's token file before it expires (src/security/signer-token.ts). */
  tokenRefresh?: import('../security/signer-token.js').SignerTokenSpec;
  command: string;
  args: string[];
  cwd: string;
  statusFile: string;
  /** The project's state directory: names the one-signer lock and marks the signer's environment. */
  stateDir?: string;
  /** Start the signer through `setpriv --pdeathsig KILL`, so it cannot outlive a killed supervisor. */
  pdeathsig?: boolean;
  /** The signer's environment arrives as JSON on stdin (so its secrets are not in the supervisor's environ). */
  envOnStdin?: boolean;
  baseMs?: number;
  maxMs?: number;
  stableMs?: number;
}

export interface SupervisorStatus {
  supervisorPid: number;
  childPid?: number;
  state: 'running' | 'backoff' | 'stopped';
  restarts: number;
  startedAt: string;
  /** When the current signer process started (settle and "restarting" are measured from it). */
  childStartedAt?: string;
  /** Why the last start failed before the signer ran (e.g. the command was not found). */
  lastError?: string;
  lastExit?: { code: number | null; signal: string | null; at: string };
  nextStartAt?: string;
}
