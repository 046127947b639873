import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileSize } from '../system/fs.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { PrerequisiteError, RemoteError, UserError } from '../errors.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { EXTERNAL_POSTGRES_DEFAULT_PORT } from '../config/ports.js';
import { postgresDatabases, usesPostgres } from '../config/storage.js';
import { writeRendered, portsFilePath, parsePartyLines, type RenderedFile } from '../render/index.js';
import { probeReadyz } from '../ledger/probe.js';
import type { LedgerClient } from '../ledger/client.js';
import type { DesiredUser } from '../ledger/rights.js';
import type { StartedDaemon } from '../canton/daemon.js';
import type { CheckId } from '../doctor/checks.js';
import type { PgConnection } from '../postgres/provision.js';
import type { UpActions } from '../plan/up.js';
import { emptyState, writeState, type State, type StateUser } from '../state/state.js';
import { isOurProcess, processRef, stopProcessGroup } from '../state/pids.js';
import { ownPids, stopTopology } from '../state/lifecycle.js';
import { registerSecret } from '../ui/redact.js';

/**
 * The adapters behind the `up` plan (src/plan/up.ts): each UpActions method observes or changes one
 * thing in the world. The command (src/commands/up.ts) builds the plan, runs it with a session, and
 * keeps the fast path for a healthy topology.
 */

export interface UpOptions {
  storage?: 'memory' | 'postgres';
  timeout?: string;
  dryRun?: boolean;
  javaHome?: string;
}

/**
 * Everything below is loaded only when the plan runs: the fast path on a healthy topology (read
 * state, probe, compare the config hash) must answer within 0.5 s, and these modules (tar, pg,
 * openapi-fetch, the release installer) cost ~100 ms to import.
 */
const lazy = {
  install: () => import('../canton/install.js'),
  cache: () => import('../canton/cache.js'),
  jdk: () => import('../jdk/choose.js'),
  doctor: () => import('../doctor/checks.js'),
  doctorAdapters: () => import('../doctor/adapters.js'),
  daemon: () => import('../canton/daemon.js'),
  readiness: () => import('../canton/readiness.js'),
  ledger: () => import('../ledger/client.js'),
  users: () => import('../ledger/users.js'),
  parties: () => import('../ledger/parties.js'),
  plan: () => import('../plan/runner.js'),
  journal: () => import('../plan/journal.js'),
  password: () => import('../postgres/password.js'),
  embedded: () => import('../postgres/embedded.js'),
  provision: () => import('../postgres/provision.js'),
  signerEnv: () => import('../signer/env.js'),
  signerSecrets: () => import('../signer/secrets.js'),
  signerLaunch: () => import('../signer/launch.js'),
  security: () => import('../security/materials.js'),
  signerSecurity: () => import('../security/signer-token.js'),
};
type Modules = { [K in keyof typeof lazy]: Awaited<ReturnType<(typeof lazy)[K]>> };
let M: Modules;

export async function loadModules(): Promise<Modules> {
  const entries = await Promise.all(Object.entries(lazy).map(async ([k, f]) => [k, await f()] as const));
  M = Object.fromEntries(entries) as unknown as Modules;
  return M;
}

const POSTGRES_START_TIMEOUT_MS = 30_000;
const CANTON_LOG_TAIL_LINES = 25;


export function isEmbeddedPostgres(t: Topology, env: NodeJS.ProcessEnv): boolean {
  return t.postgres.embedded && !env.POSTGRES_HOST;
}


export function renderedHash(files: RenderedFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(f.name);
    h.update('\0');
    h.update(f.content);
    h.update('\0');
  }
  return h.digest('hex');
}

export function configDir(t: Topology): string {
  return join(t.stateDir, 'config');
}

/** Resolve a user's party names to ids; a value that already is an id (`name::fingerprint`) is kept. */
export function desiredUser(u: Topology['users'][number], ids: Record<string, string>): DesiredUser {
  const id = (p: string) => {
    if (p.includes('::')) return p;
    const v = ids[p];
    if (!v) throw new RemoteError(`user ${u.id} refers to party ${p}, whose id is unknown`, { hint: 'Check `parties` in canton-mpc.yaml and `canton-mpc status`.' });
    return v;
  };
  return { id: u.id, primaryParty: u.primaryParty ? id(u.primaryParty) : undefined, actAs: u.actAs.map(id), readAs: u.readAs.map(id), participantAdmin: u.participantAdmin };
}

function participantUrl(t: Topology, name: string): string {
  const p = t.participants.find((x) => x.name === name);
  if (!p) throw new UserError(`unknown participant ${name}`, { hint: `Known: ${t.participants.map((x) => x.name).join(', ')}` });
  return jsonApiUrl(p);
}

/** Everything one `up` invocation learns and changes; the plan's actions close over it. */
export class UpSession implements UpActions {
  state: State;
  daemon?: StartedDaemon;
  cantonHome?: string;
  javaHome?: string;
  partyIds: Record<string, string> = {};
  pgPassword?: string;
  readonly clients = new Map<string, LedgerClient>();

  constructor(
    readonly ctx: CommandContext,
    readonly topology: Topology,
    readonly opts: UpOptions & { timeoutMs: number },
    prior: State | undefined,
    readonly hash: string,
    readonly files: RenderedFile[],
  ) {
    this.state = prior ? structuredClone(prior) : emptyState(topology.storage);
    this.state.storage = topology.storage;
    this.partyIds = Object.fromEntries(Object.entries(this.state.parties).map(([k, v]) => [k, v.id]));
  }

  get embedded(): boolean {
    return isEmbeddedPostgres(this.topology, this.ctx.env);
  }

  client(participant: string): LedgerClient {
    let c = this.clients.get(participant);
    if (!c) {
      c = M.ledger.createLedgerClient({
        baseUrl: participantUrl(this.topology, participant),
        signal: this.ctx.signal,
        onRetry: (what, attempt, e) => {
          this.ctx.output.debug(`retry ${attempt} of ${what}: ${e.message}`);
          this.ctx.output.event({ event: 'retry', url: what, attempt, retriesLeft: Math.max(0, M.ledger.LEDGER_RETRIES - attempt), error: e.message });
        },
      });
      this.clients.set(participant, c);
    }
    return c;
  }

  async persist(): Promise<void> {
    this.state.updatedAt = new Date().toISOString();
    await writeState(this.topology.stateDir, this.state);
  }

  // --- preflight -------------------------------------------------------------------------------
  /**
   * The doctor's required checks for `up`: JDK 21, every configured port free unless one of our own
   * processes holds it, PostgreSQL reachable (external) or its binaries present (embedded).
   */
  async preflight(): Promise<void> {
    const t: Topology = { ...this.topology, postgres: { ...this.topology.postgres, embedded: this.embedded } };
    const only: CheckId[] = ['jdk', 'ports', 'postgres'];
    const deps = { ...M.doctorAdapters.createDoctorDeps({ env: this.ctx.env, runner: this.ctx.runner, javaHome: this.opts.javaHome }), findJdks: () => this.jdk() };
    const results = await M.doctor.runDoctor(t, deps, { ownPids: ownPids(this.state), only });
    const failing = results.filter((r) => r.required && r.status === 'fail');
    if (failing.length > 0) {
      const lines = failing.map((r) => `  ${r.title}: ${r.detail.split('\n').join('\n    ')}`);
      throw new PrerequisiteError(`preflight check${failing.length > 1 ? 's' : ''} failed:\n${lines.join('\n')}`, {
        where: failing.map((r) => r.id).join(', '),
        hint: failing.map((r) => r.fix).filter(Boolean).join(' ') || 'Run `canton-mpc doctor` for details.',
        kind: 'preflight_failed',
        data: { checks: failing },
      });
    }
    const jdk = await this.jdk();
    this.javaHome = jdk.chosen.home;
    if (jdk.note) this.ctx.output.debug(jdk.note);
    if (jdk.warning) this.ctx.output.warn(jdk.warning);
  }

  private jdkChoice?: ReturnType<Modules['jdk']['chooseJdk']>;
  /**
   * The JDK, chosen once per run. An explicit --java-home / JAVA_HOME is checked without scanning the
   * machine (a few hundred ms); the scan runs only to suggest alternatives when it does not fit.
   */
  jdk(): ReturnType<Modules['jdk']['chooseJdk']> {
    const base = { javaHome: this.opts.javaHome, env: this.ctx.env, runner: this.ctx.runner };
    this.jdkChoice ??= (this.opts.javaHome || this.ctx.env.JAVA_HOME ? M.jdk.chooseJdk({ ...base, discover: async () => [] }) : Promise.reject(new Error('scan'))).catch(() =>
      M.jdk.chooseJdk(base),
    );
    return this.jdkChoice;
  }

  // --- Canton release --------------------------------------------------------------------------
  async cantonInstalled(): Promise<boolean> {
    this.cantonHome = (await M.cache.installedCantonHome(this.topology.canton.version, this.ctx.env)) ?? undefined;
    return this.cantonHome !== undefined;
  }
  async ensureCanton(): Promise<void> {
    const r = await M.install.ensureCantonRelease({
      version: this.topology.canton.version,
      configSha256: this.topology.canton.sha256,
      env: this.ctx.env,
      // `up`'s output turns the installer's retry/verified events into its own event stream.
      output: this.ctx.output,
      signal: this.ctx.signal,
    });
    this.cantonHome = r.home;
  }

  // --- secrets (security: jwt*) ----------------------------------------------------------------
  async secretsInPlace(): Promise<boolean> {
    const jwt = this.topology.security.jwt;
    // An unset HMAC variable is reported by ensureSecrets, before Canton would fail on it.
    if (jwt?.secretEnv && !this.ctx.env[jwt.secretEnv]) return false;
    return (await M.security.missingMaterial(this.topology)).length === 0;
  }
  async ensureSecrets(): Promise<void> {
    for (const f of await M.security.ensureMaterial(this.topology, { env: this.ctx.env })) this.ctx.output.debug(`generated ${f}`);
  }

  // --- render ----------------------------------------------------------------------------------
  async renderedUpToDate(): Promise<boolean> {
    for (const f of this.files) {
      const path = join(configDir(this.topology), f.name);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== f.content) return false;
    }
    return true;
  }
  async render(): Promise<void> {
    await writeRendered(configDir(this.topology), this.files);
  }

  // --- Postgres --------------------------------------------------------------------------------
  pgConnection(admin: boolean): PgConnection {
    const t = this.topology;
    if (this.embedded) {
      return { host: '127.0.0.1', port: t.postgres.port, user: admin ? M.embedded.EMBEDDED_SUPERUSER : t.postgres.user, password: this.pgPassword };
    }
    const env = this.ctx.env;
    const password = env[t.postgres.passwordEnv];
    registerSecret(password);
    // POSTGRES_HOST alone turns a configured embedded server into an external one, on the usual port.
    const port = env.POSTGRES_PORT ?? (t.postgres.embedded ? EXTERNAL_POSTGRES_DEFAULT_PORT : t.postgres.port);
    return { host: env.POSTGRES_HOST ?? t.postgres.host, port: Number(port), user: env.POSTGRES_USER ?? t.postgres.user, password };
  }
  async postgresServerRunning(): Promise<boolean> {
    return isOurProcess(this.state.postgres?.server);
  }
  async startPostgresServer(): Promise<void> {
    const t = this.topology;
    this.pgPassword = await M.password.ensurePostgresPassword(t.stateDir);
    const dataDir = join(t.stateDir, 'postgres');
    const runAs = M.embedded.runAsFor();
    // A server that died leaves its process group's leftovers; clear them before starting again.
    await stopProcessGroup(this.state.postgres?.server, { graceMs: 2_000, signal: 'SIGINT' });
    await M.embedded.initEmbedded({ dataDir, password: this.pgPassword, runner: this.ctx.runner, runAs });
    const pid = await M.embedded.startEmbedded({ dataDir, port: t.postgres.port, logFile: join(t.stateDir, 'logs', 'postgres.log'), runner: this.ctx.runner, runAs });
    const server = processRef(pid);
    this.state.postgres = {
      embedded: true,
      host: '127.0.0.1',
      port: t.postgres.port,
      user: t.postgres.user,
      databases: postgresDatabases(t),
      dataDir,
      passwordFile: M.password.postgresPasswordFile(t.stateDir),
      server,
    };
    await this.persist();
    await M.provision.waitForPostgres(this.pgConnection(true), POSTGRES_START_TIMEOUT_MS, () => isOurProcess(server), this.ctx.signal);
  }
  async ensurePgPassword(): Promise<void> {
    if (this.embedded && !this.pgPassword) this.pgPassword = await M.password.ensurePostgresPassword(this.topology.stateDir);
  }
  async databasesProvisioned(): Promise<boolean> {
    // An observation (also run by --dry-run): read the password, never generate it here.
    if (this.embedded) {
      if (!isOurProcess(this.state.postgres?.server)) return false;
      this.pgPassword ??= await M.password.readPostgresPassword(this.topology.stateDir);
      if (!this.pgPassword) return false;
    }
    try {
      const o = await M.provision.observeProvisioned(this.pgConnection(true), { role: this.topology.postgres.user, manageRole: this.embedded, databases: postgresDatabases(this.topology) });
      return o.roleExists && o.missingDatabases.length === 0;
    } catch {
      return false;
    }
  }
  async provisionDatabases(): Promise<void> {
    await this.ensurePgPassword();
    const c = this.pgConnection(true);
    await M.provision.provision(c, { role: this.topology.postgres.user, rolePassword: this.embedded ? this.pgPassword : undefined, manageRole: this.embedded, databases: postgresDatabases(this.topology) });
    if (!this.embedded) {
      this.state.postgres = { embedded: false, host: c.host, port: c.port, user: c.user, databases: postgresDatabases(this.topology) };
      await this.persist();
    }
  }

  // --- Canton daemon ---------------------------------------------------------------------------
  async daemonRunning(): Promise<boolean> {
    return isOurProcess(this.state.canton);
  }
  async startDaemon(): Promise<void> {
    const t = this.topology;
    if (!this.cantonHome) await this.cantonInstalled();
    if (!this.cantonHome) await this.ensureCanton();
    if (!this.javaHome) this.javaHome = (await this.jdk()).chosen.home;
    // Leftovers of a crashed daemon (its group) would hold the ports.
    await stopProcessGroup(this.state.canton, { graceMs: 5_000 });
    const logs = join(t.stateDir, 'logs');
    await fsp.mkdir(logs, { recursive: true });
    const logFile = join(logs, 'canton.log');
    const stdoutFile = join(logs, 'canton.out');
    // A stale ports file would make readiness pass before this daemon has done anything.
    await fsp.rm(portsFilePath(t), { force: true });
    const env: Record<string, string> = {};
    if (usesPostgres(t)) {
      await this.ensurePgPassword();
      const c = this.pgConnection(false);
      env.POSTGRES_HOST = c.host;
      env.POSTGRES_PORT = String(c.port);
      env.POSTGRES_USER = c.user;
      if (c.password) env.POSTGRES_PASSWORD = c.password;
    }
    const stdoutOffset = await fileSize(stdoutFile);
    this.daemon = await M.daemon.startDaemon({ cantonHome: this.cantonHome!, configDir: configDir(t), logFile, stdoutFile, javaHome: this.javaHome!, heap: M.daemon.daemonHeap(t), env, cwd: t.stateDir, runner: this.ctx.runner });
    this.state.canton = { ...processRef(this.daemon.pid), version: t.canton.version, home: this.cantonHome!, javaHome: this.javaHome!, logFile, stdoutFile, stdoutOffset };
    this.state.configHash = this.hash;
    // Party ids and users belong to the daemon that allocated / created them: observe them anew.
    this.state.parties = {};
    this.state.users = [];
    this.partyIds = {};
    await this.persist();
  }

  // --- readiness -------------------------------------------------------------------------------
  async daemonReady(): Promise<boolean> {
    if (!isOurProcess(this.state.canton) || !this.state.canton?.readyAt) return false;
    const codes = await Promise.all(this.topology.participants.map((p) => probeReadyz(jsonApiUrl(p), M.readiness.READYZ_PROBE_TIMEOUT_MS)));
    return codes.every((c) => c === 200) && this.topology.parties.every((p) => this.partyIds[p.name]);
  }
  async waitForReadiness(): Promise<void> {
    const t = this.topology;
    const canton = this.state.canton!;
    const progress = this.ctx.output.progress('waiting for Canton');
    const started = Date.now();
    const portsFile = portsFilePath(t);
    try {
      const result = await M.readiness.waitForReadiness(
        { participants: t.participants.map((p) => p.name), parties: t.parties.map((p) => ({ name: p.name, participant: p.participant })) },
        {
          // The child handle is authoritative when we started the daemon: the pid can look gone (a
          // zombie) a moment before its exit code arrives, and the code is what explains the failure.
          exited: () => (this.daemon ? this.daemon.exit() : isOurProcess(canton) ? undefined : { code: null, signal: null }),
          portsFileWritten: async () => existsSync(portsFile),
          readyz: (p) => probeReadyz(participantUrl(t, p), M.readiness.READYZ_PROBE_TIMEOUT_MS),
          partyIds: async () => {
            const printed = parsePartyLines(await M.daemon.readFrom(canton.stdoutFile, canton.stdoutOffset));
            // A restarted daemon on persistent storage may not print ids it allocated before.
            for (const p of t.parties) {
              if (printed[p.name]) continue;
              const found = await M.parties.findParties(this.client(p.participant), p.name).catch((): string[] => []);
              if (found.length === 1) printed[p.name] = found[0]!;
            }
            return printed;
          },
          partyVisible: async (participant, id) => (await M.parties.findParties(this.client(participant), id).catch((): string[] => [])).includes(id),
          sleep: (ms, signal) => sleep(ms, undefined, { signal }),
          now: Date.now,
        },
        { timeoutMs: this.opts.timeoutMs, signal: this.ctx.signal, onStage: (s, d) => {
          progress.update(`Canton: ${M.readiness.STAGE_TITLES[s]}${d ? ` (${d})` : ''}`);
          this.ctx.output.event({ event: 'stage', stage: s, title: M.readiness.STAGE_TITLES[s], ...(d ? { detail: d } : {}), elapsedMs: Date.now() - started });
        } },
      );
      progress.succeed(`Canton ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      this.partyIds = result.partyIds;
      this.state.parties = Object.fromEntries(t.parties.map((p) => [p.name, { id: result.partyIds[p.name]!, participant: p.participant }]));
      this.state.canton = { ...canton, readyAt: new Date().toISOString() };
      this.state.nodes = nodeEndpoints(t);
      await this.persist();
    } catch (e) {
      progress.fail();
      throw await this.readinessFailure(e);
    }
  }

  /** Explain the failure (stage, exit code, log tail) and leave nothing running. */
  async readinessFailure(e: unknown): Promise<unknown> {
    if (!(e instanceof M.readiness.DaemonExitedError) && !(e instanceof M.readiness.ReadinessTimeoutError)) return e;
    const canton = this.state.canton!;
    // The log file has everything the console output has; the console output is the fallback
    // when Canton failed before its logger started.
    let tail = await M.daemon.tailFile(canton.logFile, CANTON_LOG_TAIL_LINES);
    let tailFrom = canton.logFile;
    if (tail.length === 0) {
      tail = (await M.daemon.readFrom(canton.stdoutFile, canton.stdoutOffset)).split('\n').filter(Boolean).slice(-CANTON_LOG_TAIL_LINES);
      tailFrom = canton.stdoutFile;
    }
    await stopTopology(this.state);
    this.state.canton = undefined;
    this.state.signer = undefined;
    if (this.state.postgres) this.state.postgres.server = undefined;
    await this.persist();
    const logs = tail.length ? `\nlast lines of the Canton log (${tailFrom}):\n${tail.map((l) => `  | ${l}`).join('\n')}` : '';
    if (e instanceof M.readiness.DaemonExitedError) {
      const meaning = e.daemonExitCode === null && e.daemonSignal === null ? 'the process is gone' : M.daemon.exitMeaning(e.daemonExitCode, e.daemonSignal);
      return new RemoteError(`${e.message} (${meaning})${logs}`, {
        where: this.daemon?.command ?? canton.home,
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
    const te = e as InstanceType<Modules['readiness']['ReadinessTimeoutError']>;
    return new M.readiness.ReadinessTimeoutError(te.stage, `${te.message}; everything was stopped${logs}`, te.detail);
  }

  // --- users -----------------------------------------------------------------------------------
  async usersConverged(): Promise<boolean> {
    if (this.topology.users.length === 0) return true;
    if (!isOurProcess(this.state.canton) || !this.state.canton?.readyAt) return false;
    try {
      for (const u of this.topology.users) {
        if (!(await M.users.userConverged(this.client(u.participant), desiredUser(u, this.partyIds)))) return false;
      }
      return true;
    } catch {
      return false;
    }
  }
  async convergeUsers(): Promise<void> {
    const users: StateUser[] = [];
    const results = await M.users.convergeUsers(this.topology.users.map((u) => ({ participant: u.participant, want: desiredUser(u, this.partyIds) })), (p) => this.client(p));
    for (const [i, u] of this.topology.users.entries()) {
      const { want, ...r } = results[i]!;
      if (r.extra.length) this.ctx.output.warn(`user ${u.id} on ${u.participant} holds rights beyond the config (${r.extra.length}); they were left in place`);
      users.push({ id: u.id, participant: u.participant, primaryParty: want.primaryParty, actAs: want.actAs, readAs: want.readAs, participantAdmin: want.participantAdmin });
    }
    this.state.users = users;
    await this.persist();
  }

  // --- signer ----------------------------------------------------------------------------------
  async signerRunning(): Promise<boolean> {
    const s = this.state.signer;
    if (!s || !isOurProcess(s.supervisor)) return false;
    // A signer started against a daemon that has since been replaced sees stale party ids.
    return s.supervisor.startedAt >= (this.state.canton?.startedAt ?? '');
  }
  async startSigner(): Promise<void> {
    const t = this.topology;
    const spec = t.signer!;
    await stopProcessGroup(this.state.signer?.supervisor, { graceMs: 5_000 });
    const security = await M.signerSecurity.prepareSignerSecurity(t, this.ctx.env);
    const env = { ...M.signerEnv.signerEnvironment(t, this.partyIds), ...security.env, ...(await M.signerSecrets.readSignerSecrets(spec, this.ctx.env, t.projectDir)) };
    const args = spec.args.map((a, i) => M.signerEnv.resolveSignerString(t, this.partyIds, a, `signer.args.${i}`));
    const launched = await M.signerLaunch.launchSupervisor({ runner: this.ctx.runner, stateDir: t.stateDir, projectDir: t.projectDir, command: spec.command, args, cwd: spec.cwd, env, tokenRefresh: security.token });
    const supervisor = processRef(launched.pid);
    const healthUrl = spec.health ? M.signerEnv.resolveSignerString(t, this.partyIds, spec.health.url, 'signer.health.url') : undefined;
    this.state.signer = { supervisor, command: spec.command, logFile: launched.logFile, statusFile: launched.statusFile, ...(healthUrl ? { healthUrl } : {}) };
    await this.persist();
    if (healthUrl) await M.signerLaunch.waitForSignerHealth(healthUrl, spec.health!.timeoutMs, () => isOurProcess(supervisor), this.ctx.signal);
  }

  // --- state -----------------------------------------------------------------------------------
  async writeState(): Promise<void> {
    this.state.configHash = this.hash;
    this.state.nodes = nodeEndpoints(this.topology);
    await this.persist();
  }
}

export function nodeEndpoints(t: Topology): State['nodes'] {
  return [
    ...t.sequencers.map((n) => ({ name: n.name, kind: n.kind, address: n.address, ports: { ...n.ports } })),
    ...t.mediators.map((n) => ({ name: n.name, kind: n.kind, address: n.address, ports: { ...n.ports } })),
    ...t.participants.map((n) => ({ name: n.name, kind: n.kind, address: n.address, ports: { ...n.ports } })),
  ];
}

