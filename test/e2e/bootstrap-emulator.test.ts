// The product's rendered canton.conf + bootstrap.canton, run by the Canton emulator as a daemon:
// the script compiles and runs, prints party lines the product parses, uploads the DAR, and with
// Postgres storage re-runs on persisted state (second start) taking the idempotent paths.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBase, topologyOffsets } from '../support/ports.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadProject } from '../../src/config/load.js';
import { parsePartyLines, portsFilePath, renderProject, writeRendered } from '../../src/render/index.js';
import { distribution, FAKE_DAR, portsFileComplete, readIf, spawnCanton, waitFor, type Running } from '../emulator/harness.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const DAR_REL = '.daml/dist/canton-mpc-poc-0.2.0.dar';

interface Project { dir: string; conf: string; bootstrap: string; portsFile: string; jsonUrls: Record<string, string> }

/** A temp project with canton-mpc.yaml, rendered by the product into <dir>/rendered. */
async function renderTempProject(o: { participants: number; parties: Record<string, string>; storage?: 'memory' | 'postgres'; dar?: boolean; prefix?: string }): Promise<Project> {
  const dir = mkdtempSync(join(tmpdir(), 'bootstrap-emu-'));
  const portBase = await freePortBase(topologyOffsets(o.participants));
  const lines = [
    'version: 1',
    `portBase: ${portBase}`,
    `storage: ${o.storage ?? 'memory'}`,
    'participants:',
    ...Array.from({ length: o.participants }, (_, i) => `  participant${i + 1}: {}`),
    'parties:',
    ...Object.entries(o.parties).map(([name, p]) => `  ${name}: ${p}`),
    'users: {}',
    ...(o.prefix ? ['postgres:', '  embedded: false', `  databasePrefix: ${o.prefix}`] : []),
  ];
  writeFileSync(join(dir, 'canton-mpc.yaml'), lines.join('\n') + '\n');
  if (o.dar) {
    mkdirSync(join(dir, '.daml', 'dist'), { recursive: true });
    writeFileSync(join(dir, DAR_REL), FAKE_DAR);
  }
  const { topology } = await loadProject({ cwd: dir, env: {} });
  const out = join(dir, 'rendered');
  await writeRendered(out, renderProject(topology));
  mkdirSync(topology.stateDir, { recursive: true });
  const jsonUrls: Record<string, string> = {};
  for (const p of topology.participants) jsonUrls[p.name] = `http://127.0.0.1:${p.ports.json}`;
  return { dir, conf: join(out, 'canton.conf'), bootstrap: join(out, 'bootstrap.canton'), portsFile: portsFilePath(topology), jsonUrls };
}

async function startDaemon(p: Project, env: NodeJS.ProcessEnv = {}): Promise<Running & { startMs: number }> {
  rmSync(p.portsFile, { force: true }); // a previous run's file would look like readiness
  await distribution(); // packed once per process; not part of the start time
  const t0 = Date.now();
  const r = await spawnCanton(['daemon', '-c', p.conf, '--bootstrap', p.bootstrap, '--no-tty'], { cwd: p.dir, env });
  await waitFor(() => portsFileComplete(p.portsFile) || r.proc.exitCode !== null, 20_000, 'ports file');
  const startMs = Date.now() - t0;
  if (!existsSync(p.portsFile)) {
    throw new Error(`daemon exited (${r.proc.exitCode}) before writing the ports file:\n${r.out()}\n${r.err()}\n${readIf(join(p.dir, 'log', 'canton.log')) ?? ''}`);
  }
  return { ...r, startMs };
}

const getJson = async (url: string) => {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return res.json() as Promise<Record<string, unknown>>;
};
const partiesOn = async (url: string) => ((await getJson(`${url}/v2/parties`)).partyDetails as Array<{ party: string; isLocal: boolean }>);
const packagesOn = async (url: string) => (await getJson(`${url}/v2/packages`)).packageIds as string[];

/** Party ids printed by the script match the ids the hosting participant reports as local. */
async function expectPartiesMatch(p: Project, out: string, hosts: Record<string, string>): Promise<Record<string, string>> {
  const printed = parsePartyLines(out);
  expect(Object.keys(printed).sort()).toEqual(Object.keys(hosts).sort());
  for (const [name, host] of Object.entries(hosts)) {
    const local = (await partiesOn(p.jsonUrls[host]!)).filter((d) => d.isLocal).map((d) => d.party);
    expect(local, `${name} on ${host}`).toContain(printed[name]);
    expect(printed[name]).toMatch(new RegExp(`^${name}::1220[0-9a-f]{64}$`));
  }
  return printed;
}

const running: Running[] = [];
afterAll(async () => { for (const r of running) await r.stop(); });

describe('rendered bootstrap on the emulator (memory storage)', () => {
  test('2 participants, DAR present: ports file, party lines, packages on every participant, done line', async () => {
    const p = await renderTempProject({ participants: 2, parties: { Issuer: 'participant1', Depositor: 'participant2' }, dar: true });
    const d = await startDaemon(p);
    running.push(d);
    const ports = JSON.parse(readFileSync(p.portsFile, 'utf8')) as Record<string, { jsonApi: number }>;
    expect(Object.keys(ports).sort()).toEqual(['participant1', 'participant2']);
    await expectPartiesMatch(p, d.out(), { Issuer: 'participant1', Depositor: 'participant2' });
    expect(d.out()).toContain('CANTON_MPC_BOOTSTRAP_DONE');
    expect(d.out()).not.toContain('CANTON_MPC_WARN');
    for (const url of Object.values(p.jsonUrls)) expect(await packagesOn(url)).toHaveLength(1);
    expect(readIf(join(p.dir, 'log', 'canton.log'))).toContain('Bootstrap script successfully executed.');
    await d.stop();
  });

  test('without the DAR: warning line, no packages, bootstrap still succeeds', async () => {
    const p = await renderTempProject({ participants: 2, parties: { Issuer: 'participant1', Depositor: 'participant2' } });
    const d = await startDaemon(p);
    running.push(d);
    expect(d.out()).toMatch(/CANTON_MPC_WARN DAR not found when rendered, not uploaded: .*canton-mpc-poc-0\.2\.0\.dar/);
    for (const url of Object.values(p.jsonUrls)) expect(await packagesOn(url)).toEqual([]);
    await expectPartiesMatch(p, d.out(), { Issuer: 'participant1', Depositor: 'participant2' });
    await d.stop();
  });

  test('4 participants, parties on participant1/3/4, DAR uploaded to all four', async () => {
    const hosts = { Issuer: 'participant1', Depositor: 'participant4', Auditor: 'participant3' };
    const p = await renderTempProject({ participants: 4, parties: hosts, dar: true });
    const d = await startDaemon(p);
    running.push(d);
    const ports = JSON.parse(readFileSync(p.portsFile, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(ports)).toHaveLength(4);
    await expectPartiesMatch(p, d.out(), hosts);
    expect(Object.keys(p.jsonUrls)).toHaveLength(4);
    for (const url of Object.values(p.jsonUrls)) expect(await packagesOn(url)).toHaveLength(1);
    // participant2 hosts none of them
    expect((await partiesOn(p.jsonUrls.participant2!)).filter((x) => x.isLocal)).toEqual([]);
    await d.stop();
  });

  test('a broken bootstrap (unknown command) fails as a compile error with exit 3, before any party exists', async () => {
    const p = await renderTempProject({ participants: 2, parties: { Issuer: 'participant1', Depositor: 'participant2' } });
    writeFileSync(p.bootstrap, readFileSync(p.bootstrap, 'utf8').replace('println("CANTON_MPC_BOOTSTRAP_DONE")', 'participant1.parties.enabel("X")'));
    const r = await spawnCanton(['daemon', '-c', p.conf, '--bootstrap', p.bootstrap, '--no-tty'], { cwd: p.dir });
    running.push(r);
    expect((await r.exited).code).toBe(3);
    expect(existsSync(p.portsFile)).toBe(false);
    expect(r.out()).not.toContain('CANTON_MPC_PARTY');
    expect(readIf(join(p.dir, 'log', 'canton.log'))).toMatch(/Compilation Failed\n\(console\):\d+:\d+: value enabel is not a member of participant1.parties/);
  });
});

describe('rendered bootstrap on the emulator (postgres storage)', () => {
  let pg: TestPostgres;
  beforeAll(async () => { pg = await startTestPostgres(); }, 120_000);
  afterAll(async () => { await pg?.stop(); });

  test('second start on the same databases re-runs the bootstrap and prints the same party ids', async () => {
    const prefix = 'bemu_';
    const hosts = { Issuer: 'participant1', Depositor: 'participant2' };
    const p = await renderTempProject({ participants: 2, parties: hosts, storage: 'postgres', dar: true, prefix });
    for (const n of ['sequencer1', 'mediator1', 'participant1', 'participant2']) await pg.createDatabase(`${prefix}${n}`);
    const consoleLog = join(p.dir, 'console-ops.ndjson');
    const env = { POSTGRES_HOST: pg.host, POSTGRES_PORT: String(pg.port), POSTGRES_USER: pg.user, POSTGRES_PASSWORD: pg.password, CANTON_EMULATOR_CONSOLE_LOG: consoleLog };
    const ops = () => (readIf(consoleLog) ?? '').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { node: string; op: string; ok: boolean });

    const a = await startDaemon(p, env);
    running.push(a);
    const first = await expectPartiesMatch(p, a.out(), hosts);
    const firstOps = ops();
    expect(firstOps.filter((o) => o.op === 'participant.connect_local')).toHaveLength(2);
    expect(firstOps.filter((o) => o.op === 'participant.parties.enable')).toHaveLength(2);
    await a.stop();
    writeFileSync(consoleLog, '');

    const b = await startDaemon(p, env);
    running.push(b);
    const second = await expectPartiesMatch(p, b.out(), hosts);
    expect(second).toEqual(first);
    expect(b.out()).toContain('already been bootstrapped');
    expect(b.out()).toContain('CANTON_MPC_BOOTSTRAP_DONE');
    const secondOps = ops();
    // the idempotent paths: registered → no connect_local; hosted finds the parties → no enable
    expect(secondOps.filter((o) => o.op === 'participant.is_registered')).toHaveLength(2);
    expect(secondOps.filter((o) => o.op === 'participant.connect_local')).toEqual([]);
    expect(secondOps.filter((o) => o.op === 'participant.parties.enable')).toEqual([]);
    expect(secondOps.every((o) => o.ok)).toBe(true);
    for (const url of Object.values(p.jsonUrls)) expect(await packagesOn(url)).toHaveLength(1);
    await b.stop();
  });
});
