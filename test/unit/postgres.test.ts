import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { createDatabaseSql, observeProvisioned, provision, roleSql, waitForPostgres } from '../../src/postgres/provision.js';
import { initEmbedded, runAsFor, startEmbedded } from '../../src/postgres/embedded.js';
import { ensurePostgresPassword, postgresPasswordFile } from '../../src/postgres/password.js';
import { createProcessRunner } from '../../src/system/process.js';
import { processRef, stopProcessGroup } from '../../src/state/pids.js';

describe('Phase 2 SQL', () => {
  it.each([
    [false, 'canton', 'pw', `CREATE ROLE "canton" WITH LOGIN PASSWORD 'pw'`],
    [true, 'we"ird', "it's", `ALTER ROLE "we""ird" WITH LOGIN PASSWORD 'it''s'`],
  ])('role (exists=%s, %s)', (exists, role, pw, sql) => expect(roleSql(exists, role, pw)).toBe(sql));
  it('database', () => expect(createDatabaseSql('canton_p1', 'canton')).toBe('CREATE DATABASE "canton_p1" OWNER "canton"'));
});

describe('embedded PostgreSQL', () => {
  it('generated password: 0600 in a 0700 secrets dir, stable across calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-'));
    const a = await ensurePostgresPassword(dir);
    expect(a.length).toBeGreaterThanOrEqual(24);
    expect(await ensurePostgresPassword(dir)).toBe(a);
    expect(statSync(postgresPasswordFile(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'secrets')).mode & 0o777).toBe(0o700);
  });

  it('initdb + detached server outliving its starter; role and databases idempotent; no password file left behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'epg-'));
    chmodSync(dir, 0o755);
    const runner = createProcessRunner();
    const runAs = runAsFor();
    const password = 'test-pw-9f8e7d6c5b4a';
    const dataDir = join(dir, 'postgres');
    await initEmbedded({ dataDir, password, runner, runAs });
    expect(readdirSync(dir).filter((f) => f.startsWith('.pwfile'))).toEqual([]);
    const port = await getPort();
    const pid = await startEmbedded({ dataDir, port, logFile: join(dir, 'pg.log'), runner, runAs });
    const ref = processRef(pid);
    try {
      const admin = { host: '127.0.0.1', port, user: 'postgres', password };
      await waitForPostgres(admin, 20_000, () => true);
      const spec = { role: 'canton', rolePassword: password, manageRole: true, databases: ['canton_sequencer1', 'canton_participant1'] };
      expect((await provision(admin, spec)).created).toEqual(['canton_sequencer1', 'canton_participant1']);
      expect((await provision(admin, spec)).created).toEqual([]);
      expect(await observeProvisioned({ ...admin, user: 'canton' }, spec)).toEqual({ roleExists: true, missingDatabases: [] });
      await expect(observeProvisioned({ ...admin, password: 'wrong-password' }, spec)).rejects.toMatchObject({ hint: expect.stringContaining('password') });
    } finally {
      expect(await stopProcessGroup(ref, { signal: 'SIGINT', graceMs: 10_000 })).not.toBe('not-running');
    }
  }, 60_000);
});
