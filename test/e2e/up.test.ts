import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { makeProject, processesMentioning, type CliProject } from '../support/cli.js';
import { startTestPostgres } from '../support/postgres.js';

const { Client } = pg;

const projects: CliProject[] = [];
afterEach(async () => {
  while (projects.length) await projects.pop()!.cleanup();
});
async function project(...a: Parameters<typeof makeProject>) {
  const p = await makeProject(...a);
  projects.push(p);
  return p;
}

/** GET with retries: the 5xx test injects failures into our own checks too. */
export async function getJson(url: string): Promise<any> {
  let status = 0;
  for (let i = 0; i < 30; i++) {
    const r = await fetch(url);
    status = r.status;
    if (r.status === 200) return r.json();
    if (r.status < 500) break;
  }
  expect(status, url).toBe(200);
}

function rightKeys(rights: any[]): string[] {
  return rights
    .map((r) => {
      const [variant, v] = Object.entries(r.kind)[0] as [string, any];
      return v?.value?.party ? `${variant}:${v.value.party}` : variant;
    })
    .sort();
}

/** The acceptance checks shared by memory and Postgres: ids from the emulator, users exact. */
async function expectTopologyMatches(p: CliProject) {
  const state = p.state();
  expect(statSync(join(p.stateDir, 'state.json')).mode & 0o777).toBe(0o600);
  const p1 = `http://127.0.0.1:${p.ports.participant1.json}`;
  const p2 = `http://127.0.0.1:${p.ports.participant2.json}`;
  const on1 = (await getJson(`${p1}/v2/parties`)).partyDetails.map((d: any) => d.party);
  const on2 = (await getJson(`${p2}/v2/parties`)).partyDetails.map((d: any) => d.party);
  expect(state.parties.Issuer.id).toMatch(/^Issuer::/);
  expect(on1).toContain(state.parties.Issuer.id);
  expect(on2).toContain(state.parties.Depositor.id);
  const issuer = state.parties.Issuer.id;
  const depositor = state.parties.Depositor.id;
  expect(rightKeys((await getJson(`${p1}/v2/users/issuer-user/rights`)).rights)).toEqual([`CanActAs:${issuer}`, `CanReadAs:${issuer}`]);
  expect(rightKeys((await getJson(`${p2}/v2/users/depositor-user/rights`)).rights)).toEqual([`CanActAs:${depositor}`, `CanReadAs:${depositor}`]);
  expect((await getJson(`${p1}/v2/users/issuer-user`)).user.primaryParty).toBe(issuer);
}

describe('up → status → down', () => {
  it('memory storage: parties from the emulator, exact user rights, fast no-op re-run, clean down', async () => {
    const p = await project();
    const requestLog = join(p.dir, 'requests.ndjson');
    const up = await p.run(['up', '--timeout', '60s'], { env: { CANTON_EMULATOR_REQUEST_LOG: requestLog } });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stdout).toContain('Issuer::');
    await expectTopologyMatches(p);

    const st = await p.run(['status', '--json']);
    expect(st.exitCode, st.stdout + st.stderr).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.healthy).toBe(true);
    expect(status.nodes.map((n: any) => n.up)).toEqual([true, true, true, true]);

    // Re-run: the fast path reports and mutates nothing.
    const before = readFileSync(requestLog, 'utf8').split('\n').filter(Boolean).length;
    const again = await p.run(['up', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, changed: false });
    const after = readFileSync(requestLog, 'utf8').split('\n').filter(Boolean).slice(before).map((l) => JSON.parse(l));
    expect(after.filter((r) => r.method !== 'GET')).toEqual([]);

    // A changed config is not applied over a running topology.
    p.writeConfig({ synchronizer: { name: 'other' } });
    const changed = await p.run(['up']);
    expect(changed.exitCode).toBe(2);
    expect(changed.stderr).toMatch(/differs from the running topology/);
    expect(changed.stderr).toMatch(/synchronizer da → other/);
    expect(changed.stderr).toMatch(/canton-mpc down/);
    p.writeConfig({});

    const down = await p.run(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(processesMentioning(p.dir)).toEqual([]);
    const st2 = await p.run(['status']);
    expect(st2.exitCode).toBe(1);
    expect((await p.run(['down'])).exitCode).toBe(0);
  });

  it('postgres storage (embedded server, real PostgreSQL)', async () => {
    const p = await project();
    const up = await p.run(['up', '--storage', 'postgres', '--timeout', '90s']);
    expect(up.exitCode, up.stderr).toBe(0);
    await expectTopologyMatches(p);
    const state = p.state();
    expect(state.postgres).toMatchObject({ embedded: true, port: p.postgresPort, databases: ['canton_sequencer1', 'canton_mediator1', 'canton_participant1', 'canton_participant2'] });
    expect(statSync(join(p.stateDir, 'secrets', 'postgres-password')).mode & 0o777).toBe(0o600);
    const st = await p.run(['status', '--json']);
    expect(JSON.parse(st.stdout).postgres.running).toBe(true);
    expect((await p.run(['up', '--storage', 'postgres'])).exitCode).toBe(0);
    // The daemon crashes; `up` without --storage brings it back on Postgres (its parties are still there), not on the config's memory.
    const parties = state.parties;
    process.kill(state.canton.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const again = await p.run(['up', '--timeout', '90s']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(p.state()).toMatchObject({ storage: 'postgres', storageOverride: 'postgres', parties });
    const down = await p.run(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/postgres\s+stopped/);
    expect(processesMentioning(p.dir)).toEqual([]);
  }, 180_000);

  it('postgres storage on an external server named by POSTGRES_HOST', async () => {
    const pg = await startTestPostgres();
    try {
      const p = await project({ env: { POSTGRES_HOST: pg.host, POSTGRES_PORT: String(pg.port), POSTGRES_USER: pg.user, POSTGRES_PASSWORD: pg.password } });
      const up = await p.run(['up', '--storage', 'postgres', '--timeout', '90s']);
      expect(up.exitCode, up.stderr).toBe(0);
      await expectTopologyMatches(p);
      expect(p.state().postgres).toMatchObject({ embedded: false, host: pg.host, port: pg.port });
      expect(existsSync(join(p.stateDir, 'postgres'))).toBe(false);
      const client = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'postgres' });
      await client.connect();
      const dbs = (await client.query("SELECT datname FROM pg_database WHERE datname LIKE 'canton_%' ORDER BY 1")).rows.map((r) => r.datname);
      await client.end();
      expect(dbs).toEqual(['canton_mediator1', 'canton_participant1', 'canton_participant2', 'canton_sequencer1']);
      expect((await p.run(['down'])).exitCode).toBe(0);
      expect(processesMentioning(p.dir)).toEqual([]);
    } finally {
      await pg.stop();
    }
  }, 180_000);

  it('--dry-run prints the plan and writes nothing', async () => {
    const p = await project();
    const r = await p.run(['up', '--dry-run', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.steps.map((s: any) => s.id)).toEqual(['preflight', 'canton-release', 'render', 'canton-daemon', 'readiness', 'users', 'state']);
    expect(plan.steps.find((s: any) => s.id === 'canton-release').pending).toBe(false);
    expect(plan.steps.find((s: any) => s.id === 'canton-daemon').pending).toBe(true);
    expect(existsSync(p.stateDir)).toBe(false);
    const pgPlan = await p.run(['up', '--dry-run', '--storage', 'postgres']);
    expect(pgPlan.exitCode, pgPlan.stderr).toBe(0);
    expect(pgPlan.stdout).toMatch(/pending\s+postgres-server/);
    expect(existsSync(p.stateDir)).toBe(false);
  });
});

describe('failures', () => {
  it('emulator exit 3 (bootstrap failed): clear message, log tail, nothing left running', async () => {
    const p = await project();
    const r = await p.run(['up', '--timeout', '60s'], { env: { CANTON_EMULATOR_FAIL_BOOTSTRAP: 'boom' } });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/exit 3: the bootstrap script failed/);
    expect(r.stderr).toMatch(/ports file/);
    expect(r.stderr).toMatch(/last lines of the Canton log/);
    expect(processesMentioning(p.dir)).toEqual([]);
    expect(p.state().canton).toBeUndefined();
  });

  it('never ready: the timeout names the stuck stage and stops everything', async () => {
    const p = await project();
    const r = await p.run(['up', '--timeout', '3s'], { env: { CANTON_EMULATOR_NEVER_READY: '1' } });
    expect(r.exitCode).toBe(6);
    // The emulator holds back its ports file while not ready; either stage is the honest answer.
    expect(r.stderr).toMatch(/stuck at: (\/readyz is 200 on every participant|nodes started and bootstrap done)/);
    expect(r.stderr).not.toMatch(/MaxListenersExceeded/);
    expect(processesMentioning(p.dir)).toEqual([]);
  });

  it('a configured port held by another process: the message names the port and the holder', async () => {
    const p = await project();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(p.ports.participant1.json, '127.0.0.1', () => r()));
    try {
      const r = await p.run(['up', '--timeout', '30s']);
      expect(r.exitCode).toBe(4);
      expect(r.stderr).toContain(String(p.ports.participant1.json));
      expect(r.stderr).toMatch(new RegExp(`pid ${process.pid}|node`));
      expect(processesMentioning(p.dir)).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('20% injected JSON API 5xx: users still converge with exact rights', async () => {
    const p = await project();
    const r = await p.run(['up', '--timeout', '60s'], { env: { CANTON_EMULATOR_JSON_5XX_RATE: '0.2', CANTON_EMULATOR_SEED: '42' } });
    expect(r.exitCode, r.stderr).toBe(0);
    await expectTopologyMatches(p);
  });
});
