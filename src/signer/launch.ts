import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { promises as fsp } from 'node:fs';
import type { ProcessRunner } from '../system/process.js';
import { writeFileAtomic } from '../system/fs.js';
import { httpRequest } from '../system/http.js';
import { RemoteError, TimeoutError } from '../errors.js';
import type { SupervisorSpec, SupervisorStatus } from './backoff.js';

export const SIGNER_HEALTH_POLL_MS = 200;
export const SIGNER_HEALTH_PROBE_TIMEOUT_MS = 1_000;

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
 * in the environment.
 */
export async function launchSupervisor(o: {
  runner: ProcessRunner;
  stateDir: string;
  projectDir: string;
  command: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  backoff?: Pick<SupervisorSpec, 'baseMs' | 'maxMs' | 'stableMs'>;
  tokenRefresh?: SupervisorSpec['tokenRefresh'];
}): Promise<{ pid: number; logFile: string; statusFile: string }> {
  const p = signerPaths(o.stateDir);
  await fsp.mkdir(join(o.stateDir, 'logs'), { recursive: true });
  await fsp.rm(p.statusFile, { force: true });
  const spec: SupervisorSpec = { command: o.command, args: o.args, cwd: o.cwd ? resolve(o.projectDir, o.cwd) : o.projectDir, statusFile: p.statusFile, ...o.backoff, ...(o.tokenRefresh ? { tokenRefresh: o.tokenRefresh } : {}) };
  await writeFileAtomic(p.specFile, `${JSON.stringify(spec, null, 2)}\n`, 0o600);
  const { pid } = await o.runner.spawnDetached(process.execPath, [supervisorEntry(), p.specFile], { logFile: p.logFile, env: o.env, cwd: spec.cwd });
  return { pid, logFile: p.logFile, statusFile: p.statusFile };
}

export async function readSupervisorStatus(statusFile: string): Promise<SupervisorStatus | undefined> {
  try {
    return JSON.parse(await fsp.readFile(statusFile, 'utf8')) as SupervisorStatus;
  } catch {
    return undefined;
  }
}

/** Wait until the signer's health URL answers 2xx; fail early if the supervisor dies. */
export async function waitForSignerHealth(url: string, timeoutMs: number, supervisorAlive: () => boolean, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (!supervisorAlive()) throw new RemoteError('the signer supervisor exited', { where: url, hint: 'See `canton-mpc logs signer`.', kind: 'signer_failed' });
    try {
      const r = await httpRequest(url, { timeoutMs: SIGNER_HEALTH_PROBE_TIMEOUT_MS, signal });
      await r.body?.cancel().catch(() => undefined);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, SIGNER_HEALTH_POLL_MS));
  }
  throw new TimeoutError(`the signer's health check ${url} did not pass within ${Math.round(timeoutMs / 1000)} s (last: ${last})`, {
    where: url,
    hint: 'See `canton-mpc logs signer`; raise signer.health.timeout if it needs longer.',
    kind: 'signer_unhealthy',
  });
}
