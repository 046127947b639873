// Workflow 2 (offline party replication) against the emulator with Postgres: a party with contracts
// on participant1 replicated to participant2 in four console runs, the target backed up (pg_dump,
// sha256 journaled) before exactly one import; afterwards participant2 serves the party's contracts,
// the onboarding flag is cleared and both hosts are listed. A corrupt export stops before the
// reconnect and `--resume` completes; a daemon killed during the import is restored from the backup.
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, resultLine, type CliProject } from '../support/cli.js';
import { consoleOps, submitCreate } from '../support/party.js';

const opsLog = join(tmpdir(), `ops-offline-${process.pid}-${Date.now()}.ndjson`);
let p: CliProject;
let ids: Record<string, string>;
beforeAll(async () => {
  p = await makeProject({ env: { CANTON_EMULATOR_CONSOLE_LOG: opsLog }, config: { storage: 'postgres', parties: { Issuer: 'participant1', Depositor: 'participant2', Corr: 'participant1' } } });
  const up = await p.run(['up', '--timeout', '90s']);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  ids = Object.fromEntries(Object.entries(p.state().parties as Record<string, { id: string }>).map(([k, v]) => [k, v.id]));
  for (const party of ['Issuer', 'Corr']) {
    for (let i = 0; i < 2; i++) expect((await submitCreate(p.ports.participant1.json, [ids[party]!], { owner: ids[party], n: i })).status).toBe(200);
  }
}, 180_000);
afterAll(async () => {
  await p?.cleanup();
});

const acsOn = async (port: number, party: string) =>
  ((await (await fetch(`http://127.0.0.1:${port}/v2/state/active-contracts`, { method: 'POST', body: JSON.stringify({ eventFormat: { filtersByParty: { [party]: {} } } }) })).json()) as unknown[]).length;
const imports = () => consoleOps(opsLog).filter((o) => o.op === 'participant.parties.import_acs');

describe('party replicate, Workflow 2', () => {
  it('a party with contracts: 13 steps in 4 console runs, backup before one import, contracts on the target, flag cleared', async () => {
    const dry = resultLine((await p.run(['party', 'replicate', 'Issuer', '--to', 'participant2', '--dry-run', '--json'])).stdout);
    expect(dry).toMatchObject({ workflow: 2, permission: 'Observation' });
    expect(dry.steps.filter((s: { pending: boolean }) => s.pending).map((s: { id: string }) => s.id)).toEqual([
      'preflight', 'propose-target-onboarding', 'disconnect-target', 'manual-connect', 'propose-party-side', 'export-acs', 'backup-target', 'import-acs', 'record-target-end', 'reconnect-target', 'auto-reconnect', 'clear-onboarding-flag',
    ]);
    const r = await p.run(['party', 'replicate', 'Issuer', '--to', 'participant2', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = resultLine(r.stdout);
    expect(out).toMatchObject({ ok: true, workflow: 2, consoleRuns: 4, alreadyDone: false });
    expect(imports().map((o) => o.ok)).toEqual([true]);
    expect(await acsOn(p.ports.participant2.json, ids.Issuer!)).toBe(2);
    const st = JSON.parse((await p.run(['party', 'status', 'Issuer', '--json'])).stdout).parties[0];
    expect(st.hosts).toEqual([
      { participant: 'participant1', permission: 'Submission', onboarding: false },
      { participant: 'participant2', permission: 'Observation', onboarding: false },
    ]);
    const journal = readFileSync(join(p.stateDir, 'replication', 'Issuer-to-participant2', 'journal.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const backup = journal.find((x) => x.step === 'backup-target' && x.status === 'note');
    const importStart = journal.findIndex((x) => x.step === 'import-acs' && x.status === 'started');
    expect(journal.indexOf(backup)).toBeLessThan(importStart);
    expect(backup.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(backup.data.path)).toBe(true);
    expect(journal.find((x) => x.step === 'export-acs' && x.status === 'note').data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(journal.find((x) => x.step === 'preflight' && x.status === 'note').data).toMatchObject({ pruning: null, manualConnect: false });
    // participant2 reconnects by itself again (manualConnect restored).
    const again = resultLine((await p.run(['party', 'replicate', 'Issuer', '--to', 'participant2', '--json'])).stdout);
    expect(again).toMatchObject({ alreadyDone: true, consoleRuns: 1 });
  }, 120_000);

  it('a corrupt export: the import fails, nothing reconnects, --resume re-exports and completes', async () => {
    const marker = join(p.dir, 'corrupt.marker');
    const before = imports().length;
    const r = await p.run(['party', 'replicate', 'Corr', '--to', 'participant2'], { env: { CANTON_EMULATOR_CORRUPT_EXPORT: marker } });
    expect(r.exitCode).toBe(5);
    expect(existsSync(marker)).toBe(true);
    expect(r.stderr).toMatch(/the export file .* is corrupt \(PROTO_DESERIALIZATION_FAILURE\); nothing was imported and participant2 stays disconnected/);
    expect(r.stderr).toMatch(/--resume/);
    expect(await acsOn(p.ports.participant2.json, ids.Corr!)).toBe(0);
    const st = JSON.parse((await p.run(['party', 'status', 'Corr', '--json'])).stdout).parties[0];
    expect(st.runs.at(-1)).toMatchObject({ state: 'failed' });
    const resumed = await p.run(['party', 'replicate', 'Corr', '--to', 'participant2', '--resume', '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const steps = resultLine(resumed.stdout).steps as Array<{ id: string; status: string }>;
    expect(steps.find((s) => s.id === 'export-acs')?.status).toBe('done');
    expect(steps.find((s) => s.id === 'propose-party-side')?.status).toBe('skipped');
    // The console could not read the corrupt file, so only the resumed import reached the participant.
    expect(imports().slice(before).map((o) => o.ok)).toEqual([true]);
    expect(await acsOn(p.ports.participant2.json, ids.Corr!)).toBe(2);
  }, 120_000);
});

const KILL = ['preflight', 'pause-pruning', 'propose-target-onboarding', 'disconnect-target', 'manual-connect', 'propose-party-side', 'export-acs', 'restore-pruning', 'backup-target', 'import-acs', 'record-target-end', 'reconnect-target', 'auto-reconnect', 'clear-onboarding-flag'];

describe('kill -9 of the CLI (and its console) after every step of Workflow 2, then a re-run', () => {
  let k: CliProject;
  const kOps = join(tmpdir(), `ops-offline-kill-${process.pid}-${Date.now()}.ndjson`);
  let kIds: Record<string, string>;
  beforeAll(async () => {
    const parties = Object.fromEntries(KILL.map((_s, i) => [`W${i}`, 'participant1']));
    k = await makeProject({ env: { CANTON_EMULATOR_CONSOLE_LOG: kOps }, config: { storage: 'postgres', parties: { Issuer: 'participant1', Depositor: 'participant2', ...parties }, users: {} } });
    const up = await k.run(['up', '--timeout', '90s']);
    if (up.exitCode !== 0) throw new Error(up.stderr);
    kIds = Object.fromEntries(Object.entries(k.state().parties as Record<string, { id: string }>).map(([n, v]) => [n, v.id]));
    for (let i = 0; i < KILL.length; i++) expect((await submitCreate(k.ports.participant1.json, [kIds[`W${i}`]!], { owner: kIds[`W${i}`] })).status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await k?.cleanup();
  });

  it.each(KILL.map((s, i) => [s, `W${i}`] as const))('killed after %s (%s): the re-run completes with one import, after the backup', async (step, party) => {
    // A pruning schedule on the source makes steps 2 and 8 real.
    const sched = await (await import('../support/party.js')).consoleRun(k, 'participant1.pruning.set_schedule("0 0 20 * * ?", 2.hours, 30.days)\n');
    expect(sched.code, sched.err).toBe(0);
    const importsOf = () => consoleOps(kOps).filter((o) => o.op === 'participant.parties.import_acs' && o.ok).length;
    const before = importsOf();
    const killed = await k.run(['party', 'replicate', party, '--to', 'participant2'], { env: { CANTON_MPC_TEST_KILL_AT: step } });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const rerun = await k.run(['party', 'replicate', party, '--to', 'participant2', '--json']);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect(importsOf() - before).toBe(1);
    const st = JSON.parse((await k.run(['party', 'status', party, '--json'])).stdout).parties[0];
    expect(st.hosts.map((h: { participant: string; permission: string; onboarding: boolean }) => `${h.participant}:${h.permission}:${h.onboarding}`)).toEqual(['participant1:Submission:false', 'participant2:Observation:false']);
    expect(await acsOn(k.ports.participant2.json, kIds[party]!)).toBe(1);
    const journal = readFileSync(join(k.stateDir, 'replication', `${party}-to-participant2`, 'journal.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const backupAt = journal.findIndex((x) => x.step === 'backup-target' && x.status === 'note');
    const importAt = journal.findIndex((x) => x.step === 'import-acs' && x.status === 'started');
    expect(backupAt).toBeGreaterThanOrEqual(0);
    expect(backupAt).toBeLessThan(importAt);
    // The schedule recorded before step 2 is in place again.
    const back = await (await import('../support/party.js')).consoleRun(k, 'println("cron=" + participant1.pruning.get_schedule().map(s => s.cron).getOrElse("none"))\n');
    expect(back.out).toContain('cron=0 0 20 * * ?');
    expect(consoleOps(kOps).filter((o) => !o.ok && o.op !== 'participant.parties.import_acs').map((o) => o.op)).toEqual([]);
  }, 90_000);
});

describe('the Canton daemon killed during the import', () => {
  it('the re-run restores the step-9 backup (daemon stopped, pg_restore, started again); backup restore works during an interrupted import and is refused once spent', async () => {
    const marker = join(tmpdir(), `kill-import-${process.pid}-${Date.now()}.marker`);
    const dOps = join(tmpdir(), `ops-offline-daemon-${process.pid}-${Date.now()}.ndjson`);
    const q = await makeProject({ env: { CANTON_EMULATOR_CONSOLE_LOG: dOps, CANTON_EMULATOR_KILL_DURING_IMPORT: marker }, config: { storage: 'postgres', users: {} } });
    try {
      expect((await q.run(['up', '--timeout', '90s'])).exitCode).toBe(0);
      const issuer = (q.state().parties as Record<string, { id: string }>).Issuer!.id;
      for (let i = 0; i < 4; i++) expect((await submitCreate(q.ports.participant1.json, [issuer], { owner: issuer, n: i })).status).toBe(200);
      const first = await q.run(['party', 'replicate', 'Issuer', '--to', 'participant2']);
      expect(first.exitCode).not.toBe(0);
      expect(existsSync(marker)).toBe(true);
      // The journal says where it stopped: the import started after the backup and never finished.
      const { runProgress } = await import('../../src/party/runs.js');
      const recs = readFileSync(join(q.stateDir, 'replication', 'Issuer-to-participant2', 'journal.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(runProgress('participant2', recs)).toMatchObject({ state: 'failed', lastStep: 'backup-target' });
      expect(recs.filter((r) => r.step === 'import-acs').map((r) => r.status)).toEqual(['started', 'failed']);
      // The re-run restores the backup itself; here the restarted daemon is made to die in the import again.
      const marker2 = `${marker}.2`;
      const second = await q.run(['party', 'replicate', 'Issuer', '--to', 'participant2'], { env: { CANTON_EMULATOR_KILL_DURING_IMPORT: marker2 } });
      expect(second.exitCode).not.toBe(0);
      expect(existsSync(marker2)).toBe(true);
      expect(second.stderr).toMatch(/an ACS import on participant2 was interrupted: restoring canton_participant2 from the step-9 backup/);
      expect(second.stderr).toMatch(/stopping it, running pg_restore, then starting it again/);
      // backup list / restore: the interrupted import's backup is restorable.
      const listed = JSON.parse((await q.run(['backup', 'list', '--json'])).stdout).backups;
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ target: 'participant2', database: 'canton_participant2', spent: false, importInterrupted: true, exists: true });
      const restored = await q.run(['backup', 'restore', listed[0].id]);
      expect(restored.exitCode, restored.stderr).toBe(0);
      const third = await q.run(['party', 'replicate', 'Issuer', '--to', 'participant2']);
      expect(third.exitCode, third.stderr).toBe(0);
      expect(third.stderr).not.toMatch(/was interrupted/);
      expect(await acsOn(q.ports.participant2.json, issuer)).toBe(4);
      expect(consoleOps(dOps).filter((o) => o.op === 'participant.parties.import_acs' && o.ok)).toHaveLength(1);
      const s = JSON.parse((await q.run(['party', 'status', 'Issuer', '--json'])).stdout).parties[0];
      expect(s.hosts.map((h: { participant: string; onboarding: boolean }) => `${h.participant}:${h.onboarding}`)).toEqual(['participant1:false', 'participant2:false']);
      // Spent now: restoring it after the completed replication would fork the ledger.
      const spent = JSON.parse((await q.run(['backup', 'list', '--json'])).stdout).backups[0];
      expect(spent).toMatchObject({ spent: true });
      const refused = await q.run(['backup', 'restore', spent.id]);
      expect(refused.exitCode).toBe(8);
      expect(refused.stderr).toMatch(/refusing to restore .*: it was taken before a party replication onto participant2 that has since completed/);
      expect(refused.stderr).toMatch(/silent ledger fork/);
    } finally {
      await q.cleanup();
    }
  }, 240_000);
});
