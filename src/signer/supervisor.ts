/**
 * The signer supervisor: a small detached process (its own entry point) that keeps the MPC signer
 * running after `up` returns. It restarts the signer with exponential backoff and records the
 * restart count in a status file that `status` reads. Its stdout/stderr is the signer log, which the
 * signer inherits. Secrets reach the signer through this process's environment, never argv.
 *
 * Usage: node supervisor.js <spec.json>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { nextFailureCount, restartDelay, type SupervisorSpec, type SupervisorStatus } from './backoff.js';
import { startTokenRefresher } from '../security/signer-token.js';

const STOP_GRACE_MS = 5_000;

function log(msg: string): void {
  process.stdout.write(`[canton-mpc supervisor ${new Date().toISOString()}] ${msg}\n`);
}

function main(): void {
  const specPath = process.argv[2];
  if (!specPath) {
    process.stderr.write('usage: supervisor.js <spec.json>\n');
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as SupervisorSpec;
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

  const start = () => {
    timer = undefined;
    if (stopping) return;
    const startedAt = Date.now();
    const env = { ...process.env };
    delete env.CANTON_MPC_SUPERVISED_SPEC;
    const token = tokens?.current();
    if (token) env.CANTON_MPC_TOKEN = token;
    child = spawn(spec.command, spec.args, { cwd: spec.cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (e) => log(`could not start ${spec.command}: ${e.message}`));
    child.once('spawn', () => {
      status.childPid = child?.pid;
      status.state = 'running';
      delete status.nextStartAt;
      writeStatus();
    });
    child.once('exit', (code, signal) => {
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
    });
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

main();
