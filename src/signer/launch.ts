import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { promises as fsp } from 'node:fs';
import type { ProcessRunner } from '../system/process.js';
import { writeFileAtomic, fileSize } from '../system/fs.js';
import { httpRequest } from '../system/http.js';
import { resolveExecutable } from '../system/child-env.js';
import { RemoteError, TimeoutError } from '../errors.js';
import type { SupervisorSpec, SupervisorStatus } from './backoff.js';

export const SIGNER_HEALTH_POLL_MS = 200;
export const SIGNER_HEALTH_PROBE_TIMEOUT_MS = 1_000;
/** Status-file polling while the signer settles. */
export const SIGNER_SETTLE_POLL_MS = 50;
/** How long the supervisor may take to start the signer at all (node start-up, the lock, strays). */
export const SIGNER_SPAWN_TIMEOUT_MS = 15_000;
export const SIGNER_LOG_TAIL_LINES = 20;

export function signerPaths(stateDir: string) {
  return {
    logFile: join(stateDir, 'logs', 'signer.log'),
    statusFile: join(stateDir, 'signer-status.json'),
    specFile: join(stateDir, 'signer-spec.json'),
  };
}

export function supervisorEntry(): string {
  return fileURLToPath(new URL('./supervisor.js', import.meta.url));
}

/**
 * Start the supervisor detached (its own process group, so `down` stops supervisor and signer with
 * one signal to the group). The spec file holds nothing secret; secrets and topology values travel
 * in the environment, which is exactly `env` (nothing of ours is inherited).
 */
export async function launchSupervisor(o: {
  runner: ProcessRunner;
  stateDir: string;
  projectDir: string;
  command: string;
  args: string[];
  cwd?: string;
  /** The signer's whole environment. */
  env: Record<string, string>;
  /** The supervisor's own (PATH, HOME, locale). */
  baseEnv: Record<string, string>;
  backoff?: Pick<SupervisorSpec, 'baseMs' | 'maxMs' | 'stableMs'>;
  tokenRefresh?: SupervisorSpec['tokenRefresh'];
}): Promise<{ pid: number; logFile: string; statusFile: string; logOffset: number }> {
  const p = signerPaths(o.stateDir);
  await fsp.mkdir(join(o.stateDir, 'logs'), { recursive: true, mode: 0o700 });
  await fsp.rm(p.statusFile, { force: true });
  const pdeathsig = process.platform === 'linux' && resolveExecutable('setpriv', '/', o.env.PATH) !== undefined;
  const spec: SupervisorSpec = {
    command: o.command,
    args: o.args,
    cwd: o.cwd ? resolve(o.projectDir, o.cwd) : o.projectDir,
    statusFile: p.statusFile,
    stateDir: o.stateDir,
    pdeathsig,
    envOnStdin: true,
    ...o.backoff,
    // The supervisor mints the signer's token file itself (src/security/signer-token.ts).
    ...(o.tokenRefresh ? { tokenRefresh: o.tokenRefresh } : {}),
  };
  await writeFileAtomic(p.specFile, `${JSON.stringify(spec, null, 2)}\n`, 0o600);
  const logOffset = await fileSize(p.logFile);
  // The supervisor's own environment is the minimal base; the signer's (with its secrets) goes
  // through a pipe, so /proc/<supervisor>/environ holds no secret.
  const { pid } = await o.runner.spawnDetached(process.execPath, [supervisorEntry(), p.specFile], { logFile: p.logFile, env: o.baseEnv, cwd: spec.cwd, input: JSON.stringify({ env: o.env }) });
  return { pid, logFile: p.logFile, statusFile: p.statusFile, logOffset };
}

export async function readSupervisorStatus(statusFile: string): Promise<SupervisorStatus | undefined> {
  try {
    return JSON.parse(await fsp.readFile(statusFile, 'utf8')) as SupervisorStatus;
  } catch {
    return undefined;
  }
}

export interface SettleOptions {
  statusFile: string;
  settleMs: number;
  healthUrl?: string;
  healthTimeoutMs?: number;
  supervisorAlive: () => boolean;
  /** This run's lines of the signer log (for the failure message). */
  logTail: () => Promise<string[]>;
  signal?: AbortSignal;
  now?: () => number;
}

function exitText(s: SupervisorStatus | undefined): string {
  if (s?.lastError && !s.lastExit?.code && !s.lastExit?.signal) return s.lastError;
  const e = s?.lastExit;
  if (!e) return 'no exit recorded';
  return e.signal ? `killed by ${e.signal}` : `exit code ${String(e.code)}`;
}

async function failure(kind: 'signer_exited' | 'signer_unhealthy', message: string, o: SettleOptions, s: SupervisorStatus | undefined, timeout = false): Promise<Error> {
  const tail = await o.logTail();
  const logs = tail.length ? `\nlast lines of the signer log:\n${tail.map((l) => `  | ${l}`).join('\n')}` : '';
  const details = {
    where: o.healthUrl ?? o.statusFile,
    hint: 'Fix the signer (command, args, cwd, env, secrets) and re-run `canton-mpc up`; `canton-mpc logs signer` shows its whole log.',
    kind,
    data: { exitCode: s?.lastExit?.code ?? null, signal: s?.lastExit?.signal ?? null, restarts: s?.restarts ?? 0 },
  };
  return timeout ? new TimeoutError(`${message}${logs}`, details) : new RemoteError(`${message}${logs}`, details);
}

/**
 * The signer counts as started once it has stayed alive for `settleMs`, or, when a health URL is
 * configured, once that answers 2xx (restarts before that are fine: the signer may wait for its
 * own dependencies). A signer that exits before settling, or a supervisor that dies, fails at once
 * with the exit code and this run's log lines.
 */
export async function waitForSignerStarted(o: SettleOptions): Promise<void> {
  const now = o.now ?? Date.now;
  const begin = now();
  const healthDeadline = begin + (o.healthTimeoutMs ?? 0);
  let lastHealth = 'no answer';
  for (;;) {
    o.signal?.throwIfAborted();
    const s = await readSupervisorStatus(o.statusFile);
    if (!o.supervisorAlive()) {
      throw await failure('signer_exited', `the signer supervisor exited (signer: ${exitText(s)})`, o, s);
    }
    if (o.healthUrl) {
      try {
        const r = await httpRequest(o.healthUrl, { timeoutMs: SIGNER_HEALTH_PROBE_TIMEOUT_MS, signal: o.signal });
        await r.body?.cancel().catch(() => undefined);
        if (r.ok) return;
        lastHealth = `HTTP ${r.status}`;
      } catch (e) {
        lastHealth = (e as Error).message;
      }
      if (now() >= healthDeadline) {
        const crashing = (s?.restarts ?? 0) > 0 && s?.state !== 'running';
        throw await failure(
          crashing ? 'signer_exited' : 'signer_unhealthy',
          crashing
            ? `the signer keeps exiting (${s!.restarts} restarts, last: ${exitText(s)}); its health check ${o.healthUrl} never passed`
            : `the signer's health check ${o.healthUrl} did not pass within ${Math.round((o.healthTimeoutMs ?? 0) / 1000)} s (last: ${lastHealth}); raise signer.health.timeout if it needs longer`,
          o,
          s,
          !crashing,
        );
      }
      await new Promise((r) => setTimeout(r, SIGNER_HEALTH_POLL_MS));
      continue;
    }
    if (s && (s.restarts > 0 || s.lastExit || s.lastError)) {
      throw await failure('signer_exited', `the signer exited within its settle period of ${o.settleMs} ms (${exitText(s)})`, o, s);
    }
    if (s?.state === 'running' && s.childStartedAt && now() - Date.parse(s.childStartedAt) >= o.settleMs) return;
    if (now() - begin > o.settleMs + SIGNER_SPAWN_TIMEOUT_MS) {
      throw await failure('signer_exited', `the supervisor did not start the signer within ${Math.round((o.settleMs + SIGNER_SPAWN_TIMEOUT_MS) / 1000)} s`, o, s);
    }
    await new Promise((r) => setTimeout(r, SIGNER_SETTLE_POLL_MS));
  }
}
