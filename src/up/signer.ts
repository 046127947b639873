import { baseEnvironment } from '../system/child-env.js';
import { isOurProcess, processRef, stopProcessGroup } from '../state/pids.js';
import { byRole, findProjectProcesses, stopTarget } from '../state/discover.js';
import { SIGNER_STOP_GRACE_MS } from '../state/lifecycle.js';
import { M } from './modules.js';
import { signerSpecHash } from './drift.js';
import type { UpSession } from './session.js';

/** The supervised MPC signer: started, settled, restarted when its spec changed. */
const SIGNER_LOG_TAIL_LINES = 20;
/** signer.settle's default (config/schema.ts DEFAULT_SIGNER_SETTLE), for specs built without the schema. */
const DEFAULT_SIGNER_SETTLE_MS = 2_000;

export async function signerRunning(s: UpSession): Promise<boolean> {
  const sig = s.state.signer;
  if (!sig || !isOurProcess(sig.supervisor)) return false;
  // A changed spec (command, args, env …) is applied by restarting the signer.
  if (sig.specHash !== undefined && sig.specHash !== signerSpecHash(s.topology)) return false;
  // A signer started against a daemon that has since been replaced sees stale party ids.
  return sig.supervisor.startedAt >= (s.state.canton?.startedAt ?? '');
}

/**
 * Stop every supervisor and signer of the project (the recorded one and any that a killed run
 * left behind, found by marker), then start one supervisor and wait until the signer settled.
 * The supervisor's own lock makes a second one exit even if something slipped past this.
 */
export async function startSigner(s: UpSession): Promise<void> {
  const t = s.topology;
  const spec = t.signer!;
  await stopProcessGroup(s.state.signer?.supervisor, { graceMs: SIGNER_STOP_GRACE_MS });
  for (const p of byRole(findProjectProcesses(t.stateDir), 'supervisor', 'signer')) {
    await stopProcessGroup(stopTarget(p), { graceMs: SIGNER_STOP_GRACE_MS });
  }
  s.state.signer = undefined;
  // The signer's environment is its own: a minimal base, the topology, its env, secrets and passEnv.
  const baseEnv = baseEnvironment(s.ctx.env);
  // Token file, CA and client certificate for a secured topology (src/security/signer-token.ts).
  const security = await M.signerSecurity.prepareSignerSecurity(t, s.ctx.env);
  const env = {
    ...baseEnv,
    ...M.signerEnv.signerEnvironment(t, s.partyIds),
    ...security.env,
    ...(await M.signerSecrets.readSignerSecrets(spec, s.ctx.env, t.projectDir)),
  };
  const args = spec.args.map((a, i) => M.signerEnv.resolveSignerString(t, s.partyIds, a, `signer.args.${i}`));
  const launched = await M.signerLaunch.launchSupervisor({ runner: s.ctx.runner, stateDir: t.stateDir, projectDir: t.projectDir, command: spec.command, args, cwd: spec.cwd, env, baseEnv, tokenRefresh: security.token });
  const supervisor = processRef(launched.pid);
  s.startedHere.add('signer');
  const healthUrl = spec.health ? M.signerEnv.resolveSignerString(t, s.partyIds, spec.health.url, 'signer.health.url') : undefined;
  s.state.signer = { supervisor, command: spec.command, logFile: launched.logFile, statusFile: launched.statusFile, specHash: signerSpecHash(t), ...(healthUrl ? { healthUrl } : {}) };
  await s.persist();
  try {
    await M.signerLaunch.waitForSignerStarted({
      statusFile: launched.statusFile,
      settleMs: spec.settleMs ?? DEFAULT_SIGNER_SETTLE_MS,
      healthUrl,
      healthTimeoutMs: spec.health?.timeoutMs,
      supervisorAlive: () => isOurProcess(supervisor),
      logTail: async () => (await M.daemon.readFrom(launched.logFile, launched.logOffset)).split('\n').filter(Boolean).slice(-SIGNER_LOG_TAIL_LINES),
      signal: s.ctx.signal,
    });
  } catch (e) {
    // A signer that cannot run is not left crash-looping behind a failed `up`; Canton stays up.
    await stopProcessGroup(supervisor, { graceMs: SIGNER_STOP_GRACE_MS });
    s.state.signer = undefined;
    await s.persist();
    throw e;
  }
}
