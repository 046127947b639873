import pg from 'pg';
import { PrerequisiteError, RemoteError } from '../errors.js';

export interface PgConnection {
  host: string;
  port: number;
  user: string;
  password?: string;
  database?: string;
}

export const PG_CONNECT_TIMEOUT_MS = 3_000;

export interface ProvisionSpec {
  /** Role Canton logs in as; created (or its password reset) only when `manageRole`. */
  role: string;
  rolePassword?: string;
  /** Create/alter the role: true for the embedded server, where we are the superuser. */
  manageRole: boolean;
  databases: string[];
}

/** The SQL of Phase 2, quoted with pg's own escaping (utility statements take no bind parameters). */
export function roleSql(exists: boolean, role: string, password: string | undefined): string {
  const pw = password === undefined ? '' : ` PASSWORD ${pg.escapeLiteral(password)}`;
  return exists ? `ALTER ROLE ${pg.escapeIdentifier(role)} WITH LOGIN${pw}` : `CREATE ROLE ${pg.escapeIdentifier(role)} WITH LOGIN${pw}`;
}

export function createDatabaseSql(db: string, owner: string): string {
  return `CREATE DATABASE ${pg.escapeIdentifier(db)} OWNER ${pg.escapeIdentifier(owner)}`;
}

function where(c: PgConnection): string {
  return `postgres://${c.user}@${c.host}:${c.port}/${c.database ?? 'postgres'}`;
}

export async function connect(c: PgConnection): Promise<pg.Client> {
  const client = new pg.Client({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: c.database ?? 'postgres',
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
  });
  // An idle client's socket error must not crash the CLI; the query in flight reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    const err = e as Error & { code?: string };
    const auth = err.code === '28P01' || err.code === '28000';
    throw new PrerequisiteError(`cannot connect to PostgreSQL at ${where(c)}: ${err.message}`, {
      where: where(c),
      hint: auth
        ? 'Check the user and the password variable (postgres.passwordEnv, default POSTGRES_PASSWORD).'
        : 'Start the server, or unset POSTGRES_HOST to let canton-mpc run an embedded one.',
      kind: 'postgres_unreachable',
      cause: e,
    });
  }
  return client;
}

export async function observeProvisioned(admin: PgConnection, spec: ProvisionSpec): Promise<{ roleExists: boolean; missingDatabases: string[] }> {
  const client = await connect(admin);
  try {
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.role]);
    const dbs = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1::text[])', [spec.databases]);
    const have = new Set(dbs.rows.map((r) => r.datname));
    return { roleExists: (role.rowCount ?? 0) > 0, missingDatabases: spec.databases.filter((d) => !have.has(d)) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Create the role and one database per node, idempotently. CREATE DATABASE cannot run inside a
 * transaction, so each statement runs on its own; a database created concurrently (42P04) counts
 * as done.
 */
export async function provision(admin: PgConnection, spec: ProvisionSpec): Promise<{ created: string[] }> {
  const client = await connect(admin);
  const created: string[] = [];
  try {
    if (spec.manageRole) {
      const r = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.role]);
      await client.query(roleSql((r.rowCount ?? 0) > 0, spec.role, spec.rolePassword));
    }
    const dbs = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1::text[])', [spec.databases]);
    const have = new Set(dbs.rows.map((r) => r.datname));
    for (const db of spec.databases) {
      if (have.has(db)) continue;
      try {
        await client.query(createDatabaseSql(db, spec.manageRole ? spec.role : admin.user));
        created.push(db);
      } catch (e) {
        const err = e as Error & { code?: string };
        if (err.code === '42P04') continue;
        throw new RemoteError(`could not create database ${db} on ${where(admin)}: ${err.message}`, {
          where: where(admin),
          hint: err.code === '42501' ? `Grant the role CREATEDB (ALTER ROLE ${admin.user} CREATEDB) or create the database yourself.` : undefined,
          kind: 'postgres_failed',
          cause: e,
        });
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  return { created };
}

/** Poll until the server accepts a login (the embedded server just started). */
export async function waitForPostgres(c: PgConnection, timeoutMs: number, isRunning: () => boolean, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (!isRunning()) break;
    try {
      const client = await connect(c);
      await client.end().catch(() => undefined);
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new PrerequisiteError(`the embedded PostgreSQL did not accept connections at ${where(c)}`, {
    where: where(c),
    hint: 'See .canton-mpc/logs/postgres.log.',
    kind: 'postgres_unreachable',
    cause: last,
  });
}
