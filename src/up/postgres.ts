import { join } from 'node:path';
import { EXTERNAL_POSTGRES_DEFAULT_PORT } from '../config/ports.js';
import { postgresDatabases } from '../config/storage.js';
import type { PgConnection } from '../postgres/provision.js';
import { isOurProcess, processRef, stopProcessGroup } from '../state/pids.js';
import { registerSecret } from '../ui/redact.js';
import { M } from './modules.js';
import type { UpSession } from './session.js';

/** The embedded PostgreSQL server and the databases (embedded or external). */
const POSTGRES_START_TIMEOUT_MS = 30_000;

export function pgConnection(s: UpSession, admin: boolean): PgConnection {
  const t = s.topology;
  if (s.embedded) {
    return { host: '127.0.0.1', port: t.postgres.port, user: admin ? M.embedded.EMBEDDED_SUPERUSER : t.postgres.user, password: s.pgPassword };
  }
  const env = s.ctx.env;
  const password = env[t.postgres.passwordEnv];
  registerSecret(password);
  // POSTGRES_HOST alone turns a configured embedded server into an external one, on the usual port.
  const port = env.POSTGRES_PORT ?? (t.postgres.embedded ? EXTERNAL_POSTGRES_DEFAULT_PORT : t.postgres.port);
  return { host: env.POSTGRES_HOST ?? t.postgres.host, port: Number(port), user: env.POSTGRES_USER ?? t.postgres.user, password };
}

export async function postgresServerRunning(s: UpSession): Promise<boolean> {
  return isOurProcess(s.state.postgres?.server);
}

export async function startPostgresServer(s: UpSession): Promise<void> {
  const t = s.topology;
  s.pgPassword = await M.password.ensurePostgresPassword(t.stateDir);
  // As root: an unprivileged account, and data where it can reach it (postgres/root.ts).
  const { runAs, dataDir } = M.embedded.layoutFor(t.stateDir, s.ctx.env);
  // A server that died leaves its process group's leftovers; clear them before starting again.
  await stopProcessGroup(s.state.postgres?.server, { graceMs: 2_000, signal: 'SIGINT' });
  await M.embedded.initEmbedded({ dataDir, password: s.pgPassword, runner: s.ctx.runner, runAs });
  const pid = await M.embedded.startEmbedded({ dataDir, port: t.postgres.port, logFile: join(t.stateDir, 'logs', 'postgres.log'), runner: s.ctx.runner, runAs });
  const server = processRef(pid);
  s.startedHere.add('postgres');
  s.state.postgres = {
    embedded: true,
    host: '127.0.0.1',
    port: t.postgres.port,
    user: t.postgres.user,
    databases: postgresDatabases(t),
    dataDir,
    passwordFile: M.password.postgresPasswordFile(t.stateDir),
    server,
  };
  await s.persist();
  await M.provision.waitForPostgres(pgConnection(s, true), POSTGRES_START_TIMEOUT_MS, () => isOurProcess(server), s.ctx.signal);
}

export async function ensurePgPassword(s: UpSession): Promise<void> {
  if (s.embedded && !s.pgPassword) s.pgPassword = await M.password.ensurePostgresPassword(s.topology.stateDir);
}

export async function databasesProvisioned(s: UpSession): Promise<boolean> {
  // An observation (also run by --dry-run): read the password, never generate it here.
  if (s.embedded) {
    if (!isOurProcess(s.state.postgres?.server)) return false;
    s.pgPassword ??= await M.password.readPostgresPassword(s.topology.stateDir);
    if (!s.pgPassword) return false;
  }
  try {
    const o = await M.provision.observeProvisioned(pgConnection(s, true), { role: s.topology.postgres.user, manageRole: s.embedded, databases: postgresDatabases(s.topology) });
    return o.roleExists && o.missingDatabases.length === 0;
  } catch {
    return false;
  }
}

export async function provisionDatabases(s: UpSession): Promise<void> {
  await ensurePgPassword(s);
  const c = pgConnection(s, true);
  await M.provision.provision(c, { role: s.topology.postgres.user, rolePassword: s.embedded ? s.pgPassword : undefined, manageRole: s.embedded, databases: postgresDatabases(s.topology) });
  if (!s.embedded) {
    s.state.postgres = { embedded: false, host: c.host, port: c.port, user: c.user, databases: postgresDatabases(s.topology) };
    await s.persist();
  }
}
