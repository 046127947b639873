/**
 * The signer supervisor: a small detached process (its own entry point) that keeps the MPC signer
 * running after `up` returns. It restarts the signer with exponential backoff and records the
 * restart count in a status file that `status` reads. Its stdout/stderr is the signer log, which the
 * signer inherits. Secrets reach the signer through this process's environment, never argv.
 *
 * Exactly one per project: it takes the project's signer lock (signer/lock.ts) before anything else
 * and holds it for its lifetime; a second supervisor exits at once with EXIT_LOCKED. Before the
 * first start it stops any signer of the project that outlived an earlier, killed supervisor.
 *
 * Usage: node supervisor.js <spec.json>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { nextFailureCount, restartDelay, type SupervisorSpec, type SupervisorStatus } from './backoff.js';
import { takeSignerLock } from './lock.js';
import { byRole, findProjectProcesses, SIGNER_MARKER_ENV, stopTarget } from '../state/discover.js';
import { stopProcessGroup } from '../state/pids.js';
import { startTokenRefresher } from '../security/signer-token.js';

const STOP_GRACE_MS = 5_000;
/** How long a stray signer of a killed supervisor gets to stop before SIGKILL. */
const STRAY_STOP_GRACE_MS = 3_000;
/** Exit code when another supervisor already holds the project's lock. */
export const EXIT_LOCKED = 3;

function log(msg: string): void {
  process.stdout.write(`[canton-mpc supervisor ${new Date().toISOString()}] ${msg}\n`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const specPath = process.argv[2];
  if (!specPath) {
    process.stderr.write('usage: supervisor.js <spec.json>\n');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as SupervisorSpec;
  // The signer's environment (secrets included) comes on stdin and stays in memory only.
  const childEnv: NodeJS.ProcessEnv = spec.envOnStdin ? ((JSON.parse(await readStdin()) as { env: Record<string, string> }).env ?? {}) : { ...process.env };
  if (spec.stateDir) {
    const lock = await takeSignerLock(spec.stateDir);
    if ('holder' in lock) {
      log(`another supervisor${lock.holder ? ` (pid ${lock.holder})` : ''} already runs the signer of this project; exiting`);
      process.exit(EXIT_LOCKED);
    }
    // A signer whose supervisor was killed (it had no parent-death signal) must go before ours starts.
    for (const stray of byRole(findProjectProcesses(spec.stateDir), 'signer')) {
      log(`stopping signer pid ${stray.pid} left by an earlier supervisor`);
      await stopProcessGroup(stopTarget(stray), { graceMs: STRAY_STOP_GRACE_MS });
    }
  }
  const status: SupervisorStatus = { supervisorPid: process.pid, state: 'running', restarts: 0, startedAt: new Date().toISOString() };
  const writeStatus = () => {
    const tmp = `${spec.statusFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, spec.statusFile);
  };
  let child: ChildProcess | undefined;
  let stopping = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  // The signer's token file is kept fresh for as long as the supervisor runs.
  const tokens = spec.tokenRefresh ? startTokenRefresher(spec.tokenRefresh, log) : undefined;

  const exited = (startedAt: number, code: number | null, signal: string | null) => {
    child = undefined;
    status.childPid = undefined;
    status.lastExit = { code, signal, at: new Date().toISOString() };
    if (stopping) {
      status.state = 'stopped';
      writeStatus();
      process.exit(0);
    }
    failures = nextFailureCount(failures, Date.now() - startedAt, spec.stableMs);
    const delay = restartDelay(failures, spec.baseMs, spec.maxMs);
    status.restarts += 1;
    status.state = 'backoff';
    status.nextStartAt = new Date(Date.now() + delay).toISOString();
    writeStatus();
    log(`signer exited (${signal ?? `code ${code}`}); restart ${status.restarts} in ${delay} ms`);
    timer = setTimeout(start, delay);
  };

  const start = () => {
    timer = undefined;
    if (stopping) return;
    const startedAt = Date.now();
    const env: NodeJS.ProcessEnv = { ...childEnv, ...(spec.stateDir ? { [SIGNER_MARKER_ENV]: spec.stateDir } : {}) };
    const token = tokens?.current();
    if (token) env.CANTON_MPC_TOKEN = token;
    const [file, args] = spec.pdeathsig ? ['setpriv', ['--pdeathsig', 'KILL', '--', spec.command, ...spec.args]] : [spec.command, spec.args];
    const c = spawn(file, args, { cwd: spec.cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child = c;
    let spawned = false;
    c.once('error', (e) => {
      // Node reports a missing cwd as the command being missing ("spawn node ENOENT"): tell them apart.
      const why = existsSync(spec.cwd) ? e.message : `its working directory ${spec.cwd} does not exist (signer.cwd)`;
      log(`could not start ${spec.command}: ${why}`);
      status.lastError = why;
      // A failed spawn emits no 'exit': treat it as one, so the backoff (and status) still apply.
      if (!spawned) exited(startedAt, null, null);
    });
    c.once('spawn', () => {
      spawned = true;
      status.childPid = c.pid;
      status.childStartedAt = new Date(startedAt).toISOString();
      status.state = 'running';
      delete status.nextStartAt;
      writeStatus();
    });
    c.once('exit', (code, signal) => exited(startedAt, code, signal));
  };

  const stop = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (timer) clearTimeout(timer);
    if (!child) {
      status.state = 'stopped';
      writeStatus();
      process.exit(0);
    }
    child.kill(sig);
    setTimeout(() => {
      child?.kill('SIGKILL');
      process.exit(0);
    }, STOP_GRACE_MS).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGTERM'));
  process.on('SIGHUP', () => undefined);
  writeStatus();
  start();
}

void main();
