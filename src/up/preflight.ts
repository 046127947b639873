import type { Topology } from '../config/types.js';
import type { CheckId } from '../doctor/checks.js';
import { ExitCode, PrerequisiteError, UserError } from '../errors.js';
import { ownPids } from '../state/lifecycle.js';
import { isOurProcess } from '../state/pids.js';
import { M } from './modules.js';
import type { UpSession } from './session.js';

/**
 * The doctor's required checks for `up`, before anything starts: JDK 21, every configured port free
 * unless one of our own processes holds it, PostgreSQL reachable (external) or runnable (embedded:
 * binaries, and as root the account and data directory), and a signer that can start (cwd,
 * command, passEnv, secrets file). `doctor` runs the very same checks.
 */
export async function preflight(s: UpSession): Promise<void> {
  const t: Topology = { ...s.topology, postgres: { ...s.topology.postgres, embedded: s.embedded } };
  // A running daemon of ours is not started again: its JDK and its ports are not this run's concern
  // (and probing ports held by our own processes costs a /proc scan per port).
  const daemonRuns = isOurProcess(s.state.canton);
  const only: CheckId[] = daemonRuns ? ['postgres', 'signer'] : ['jdk', 'ports', 'postgres', 'signer'];
  const deps = { ...M.doctorAdapters.createDoctorDeps({ env: s.ctx.env, runner: s.ctx.runner, javaHome: s.opts.javaHome }), findJdks: () => jdk(s) };
  const results = await M.doctor.runDoctor(t, deps, { ownPids: ownPids(s.state), only });
  const failing = results.filter((r) => r.required && r.status === 'fail');
  if (failing.length > 0) {
    const lines = failing.map((r) => `  ${r.title}: ${r.detail.split('\n').join('\n    ')}`);
    const message = `preflight check${failing.length > 1 ? 's' : ''} failed:\n${lines.join('\n')}`;
    const details = {
      where: failing.map((r) => r.id).join(', '),
      hint: failing.map((r) => r.fix).filter(Boolean).join(' ') || 'Run `canton-mpc doctor` for details.',
      kind: 'preflight_failed',
      data: { checks: failing },
    };
    // A signer that cannot start is an input problem (signer.* in the config, its secrets file, passEnv): exit 3.
    if (failing.every((r) => r.id === 'signer')) throw new UserError(message, { ...details, exitCode: ExitCode.CONFIG });
    throw new PrerequisiteError(message, details);
  }
  if (daemonRuns) return;
  const chosen = await jdk(s);
  s.javaHome = chosen.chosen.home;
  if (chosen.note) s.ctx.output.debug(chosen.note);
  if (chosen.warning) s.ctx.output.warn(chosen.warning);
}

/**
 * The JDK, chosen once per run. An explicit --java-home / JAVA_HOME is checked without scanning the
 * machine (a few hundred ms); the scan runs only to suggest alternatives when it does not fit.
 */
export function jdk(s: UpSession): ReturnType<(typeof M)['jdk']['chooseJdk']> {
  const base = { javaHome: s.opts.javaHome, env: s.ctx.env, runner: s.ctx.runner };
  s.jdkChoice ??= (s.opts.javaHome || s.ctx.env.JAVA_HOME ? M.jdk.chooseJdk({ ...base, discover: async () => [] }) : Promise.reject(new Error('scan'))).catch(() => M.jdk.chooseJdk(base));
  return s.jdkChoice;
}
