import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RemoteError } from '../errors.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { usesPostgres } from '../config/storage.js';
import { portsFilePath, parsePartyLines } from '../render/index.js';
import { probeReadyz } from '../ledger/probe.js';
import { fileSize } from '../system/fs.js';
import { baseEnvironment, extraCantonEnvironment } from '../system/child-env.js';
import { isOurProcess, processRef, stopProcessGroup } from '../state/pids.js';
import { CANTON_STOP_GRACE_MS, POSTGRES_STOP_GRACE_MS } from '../state/lifecycle.js';
import { M } from './modules.js';
import { configDir, nodeEndpoints, participantUrl } from './helpers.js';
import { ensurePgPassword, pgConnection } from './postgres.js';
import { jdk } from './preflight.js';
import type { UpSession } from './session.js';

/** The Canton daemon and the staged readiness wait. */
const CANTON_LOG_TAIL_LINES = 25;

export async function daemonRunning(s: UpSession): Promise<boolean> {
  return isOurProcess(s.state.canton);
}

/**
 * Canton's environment is built, not inherited: the caller's may hold the signer's key share or
 * other credentials, which would be readable in /proc/<pid>/environ. It gets PATH, HOME, LANG,
 * LC_*, TZ, TMPDIR, JAVA_HOME/JAVA_OPTS (daemon.ts), the POSTGRES_* it needs, the HMAC secret variable
 * when `security.jwt` names one, and the names listed in
 * CANTON_MPC_CANTON_ENV (never a signer.passEnv name).
 */
async function cantonEnvironment(s: UpSession): Promise<Record<string, string>> {
  const t = s.topology;
  const env: Record<string, string> = { ...baseEnvironment(s.ctx.env), ...extraCantonEnvironment(s.ctx.env, t.signer?.passEnv ?? []) };
  // The HMAC secret (`secret = ${?VAR}` in canton.conf) is Canton's own.
  const hmac = t.security.jwt?.secretEnv;
  if (hmac && s.ctx.env[hmac] !== undefined) env[hmac] = s.ctx.env[hmac]!;
  if (usesPostgres(t)) {
    await ensurePgPassword(s);
    const c = pgConnection(s, false);
    env.POSTGRES_HOST = c.host;
    env.POSTGRES_PORT = String(c.port);
    env.POSTGRES_USER = c.user;
    if (c.password) env.POSTGRES_PASSWORD = c.password;
  }
  return env;
}

export async function startDaemon(s: UpSession): Promise<void> {
  const t = s.topology;
  if (!s.cantonHome) await s.cantonInstalled();
  if (!s.cantonHome) await s.ensureCanton();
  if (!s.javaHome) s.javaHome = (await jdk(s)).chosen.home;
  // Leftovers of a crashed daemon (its group) would hold the ports.
  await stopProcessGroup(s.state.canton, { graceMs: 5_000 });
  const logs = join(t.stateDir, 'logs');
  await fsp.mkdir(logs, { recursive: true, mode: 0o700 });
  await fsp.chmod(logs, 0o700);
  const logFile = join(logs, 'canton.log');
  const stdoutFile = join(logs, 'canton.out');
  // Canton's logger creates files with the JVM's umask (0644); it appends to one that exists.
  await (await fsp.open(logFile, 'a', 0o600)).close();
  await fsp.chmod(logFile, 0o600);
  // A stale ports file would make readiness pass before this daemon has done anything.
  await fsp.rm(portsFilePath(t), { force: true });
  const env = await cantonEnvironment(s);
  const stdoutOffset = await fileSize(stdoutFile);
  const logOffset = await fileSize(logFile);
  s.daemon = await M.daemon.startDaemon({ cantonHome: s.cantonHome!, configDir: configDir(t), logFile, stdoutFile, javaHome: s.javaHome!, heap: M.daemon.daemonHeap(t), env, cwd: t.stateDir, runner: s.ctx.runner });
  s.startedHere.add('canton');
  s.state.canton = { ...processRef(s.daemon.pid), version: t.canton.version, home: s.cantonHome!, javaHome: s.javaHome!, logFile, stdoutFile, stdoutOffset, logOffset };
  s.state.configHash = s.hash;
  // What this daemon runs with: drift is measured against it (users and DARs converge later).
  // The bootstrap skips a DAR that does not exist yet; a later `up` uploads it in place.
  if (s.desired) s.state.applied = { ...s.desired, dars: s.desired.dars.filter((d) => existsSync(d)), users: [] };
  // Party ids and users belong to the daemon that allocated / created them: observe them anew.
  s.state.parties = {};
  s.state.users = [];
  s.partyIds = {};
  await s.persist();
}

export async function daemonReady(s: UpSession): Promise<boolean> {
  if (!isOurProcess(s.state.canton) || !s.state.canton?.readyAt) return false;
  const codes = await Promise.all(s.topology.participants.map((p) => probeReadyz(jsonApiUrl(p), M.readiness.READYZ_PROBE_TIMEOUT_MS)));
  return codes.every((c) => c === 200) && s.topology.parties.every((p) => s.partyIds[p.name]);
}

export async function waitForReadiness(s: UpSession): Promise<void> {
  const t = s.topology;
  const canton = s.state.canton!;
  const progress = s.ctx.output.progress('waiting for Canton');
  const started = Date.now();
  const portsFile = portsFilePath(t);
  try {
    const result = await M.readiness.waitForReadiness(
      { participants: t.participants.map((p) => p.name), parties: t.parties.map((p) => ({ name: p.name, participant: p.participant })) },
      {
        // The child handle is authoritative when we started the daemon: the pid can look gone (a
        // zombie) a moment before its exit code arrives, and the code is what explains the failure.
        exited: () => (s.daemon ? s.daemon.exit() : isOurProcess(canton) ? undefined : { code: null, signal: null }),
        portsFileWritten: async () => existsSync(portsFile),
        readyz: (p) => probeReadyz(participantUrl(t, p), M.readiness.READYZ_PROBE_TIMEOUT_MS),
        partyIds: async () => {
          const printed = parsePartyLines(await M.daemon.readFrom(canton.stdoutFile, canton.stdoutOffset));
          // A restarted daemon on persistent storage may not print ids it allocated before.
          for (const p of t.parties) {
            if (printed[p.name]) continue;
            const found = await M.parties.findParties(s.client(p.participant), p.name).catch((): string[] => []);
            if (found.length === 1) printed[p.name] = found[0]!;
          }
          return printed;
        },
        partyVisible: async (participant, id) => (await M.parties.findParties(s.client(participant), id).catch((): string[] => [])).includes(id),
        sleep: (ms, signal) => sleep(ms, undefined, { signal }),
        now: Date.now,
      },
      { timeoutMs: s.opts.timeoutMs, signal: s.ctx.signal, onStage: (st, d) => {
        progress.update(`Canton: ${M.readiness.STAGE_TITLES[st]}${d ? ` (${d})` : ''}`);
        s.ctx.output.event({ event: 'stage', stage: st, title: M.readiness.STAGE_TITLES[st], ...(d ? { detail: d } : {}), elapsedMs: Date.now() - started });
      } },
    );
    progress.succeed(`Canton ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    s.partyIds = result.partyIds;
    s.state.parties = Object.fromEntries(t.parties.map((p) => [p.name, { id: result.partyIds[p.name]!, participant: p.participant }]));
    s.state.canton = { ...canton, readyAt: new Date().toISOString() };
    s.state.nodes = nodeEndpoints(t);
    await s.persist();
  } catch (e) {
    progress.fail();
    throw await readinessFailure(s, e);
  }
}

/** This run's lines of the Canton log (never an earlier run's), else of its console output. */
async function logTail(s: UpSession): Promise<{ lines: string[]; from: string }> {
  const canton = s.state.canton!;
  const fromLog = (await M.daemon.readFrom(canton.logFile, canton.logOffset ?? 0)).split('\n').filter(Boolean).slice(-CANTON_LOG_TAIL_LINES);
  if (fromLog.length) return { lines: fromLog, from: canton.logFile };
  return { lines: (await M.daemon.readFrom(canton.stdoutFile, canton.stdoutOffset)).split('\n').filter(Boolean).slice(-CANTON_LOG_TAIL_LINES), from: canton.stdoutFile };
}

/**
 * Explain the failure (stage, exit code, this run's log lines) and stop what this run started.
 * A daemon or PostgreSQL an earlier `up` started is never stopped here: it may be a live ledger.
 */
export async function readinessFailure(s: UpSession, e: unknown): Promise<unknown> {
  if (!(e instanceof M.readiness.DaemonExitedError) && !(e instanceof M.readiness.ReadinessTimeoutError)) return e;
  const canton = s.state.canton!;
  const tail = await logTail(s);
  const stopped: string[] = [];
  const kept: string[] = [];
  if (s.startedHere.has('canton')) {
    await stopProcessGroup(canton, { graceMs: CANTON_STOP_GRACE_MS });
    s.state.canton = undefined;
    stopped.push('the Canton daemon');
  } else if (isOurProcess(canton)) kept.push(`the Canton daemon (pid ${canton.pid}, started by an earlier \`up\`)`);
  if (s.startedHere.has('postgres') && s.state.postgres?.server) {
    await stopProcessGroup(s.state.postgres.server, { graceMs: POSTGRES_STOP_GRACE_MS, signal: 'SIGINT' });
    s.state.postgres.server = undefined;
    stopped.push('the embedded PostgreSQL');
  }
  await s.persist();
  const logs = tail.lines.length ? `\nlast lines of the Canton log (${tail.from}):\n${tail.lines.map((l) => `  | ${l}`).join('\n')}` : '';
  const after = [stopped.length ? `stopped what this run started (${stopped.join(', ')})` : '', kept.length ? `left running: ${kept.join(', ')}; \`canton-mpc down\` stops it` : ''].filter(Boolean).join('; ');
  if (e instanceof M.readiness.DaemonExitedError) {
    const meaning = e.daemonExitCode === null && e.daemonSignal === null ? 'the process is gone' : M.daemon.exitMeaning(e.daemonExitCode, e.daemonSignal);
    return new RemoteError(`${e.message} (${meaning})${after ? `; ${after}` : ''}${logs}`, {
      where: s.daemon?.command ?? canton.home,
      hint:
        e.daemonExitCode === 3
          ? 'The bootstrap script failed: check .canton-mpc/config/bootstrap.canton and the log above.'
          : e.daemonExitCode === 1
            ? 'Canton could not start: check .canton-mpc/config/canton.conf, the ports and the log above.'
            : 'See the log above and `canton-mpc logs canton`.',
      kind: 'daemon_exited',
      data: { stage: e.stage, exitCode: e.daemonExitCode, signal: e.daemonSignal },
    });
  }
  const te = e as InstanceType<(typeof M)['readiness']['ReadinessTimeoutError']>;
  return new M.readiness.ReadinessTimeoutError(te.stage, `${te.message}${after ? `; ${after}` : ''}${logs}`, te.detail);
}
