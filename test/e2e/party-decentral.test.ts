// party decentralize (Workflow 3) on three participants with Postgres: `up` creates a configured one;
// another is created by two owners through a CLI killed after every step (each re-run converges; an
// owner that is down is named), it signs a contract, a third owner is added (a threshold of the current
// owners plus it sign the namespace; Workflow 2 brings it the ACS, killed once mid-way), and it is locked
// down to 2-of-3 confirmations: a choice it must confirm succeeds with two of its three hosts up and
// fails, decoded, with one. Then an owner is removed. No key material anywhere.
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder, makeProject, resultLine, type CliProject } from '../support/cli.js';
import { decodeCantonText } from '../../src/canton/errors-decode.js';
import { decodeDecentral } from '../../src/party/decentral-errors.js';
import { consoleOps, consoleRun, proposals, submitCreate } from '../support/party.js';

async function post(port: number, path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}
async function firstContract(port: number, party: string): Promise<string> {
  const end = (await (await fetch(`http://127.0.0.1:${port}/v2/state/ledger-end`)).json()) as { offset: number };
  const r = await post(port, '/v2/state/active-contracts', { activeAtOffset: end.offset, eventFormat: { filtersByParty: { [party]: {} }, verbose: false } });
  return (r.body as unknown as Array<{ contractEntry: { JsActiveContract: { createdEvent: { contractId: string } } } }>)[0]!.contractEntry.JsActiveContract.createdEvent.contractId;
}
/** A non-consuming choice by Issuer on a contract Treasury signed: Treasury must confirm. */
const exercise = (port: number, actor: string, contractId: string) =>
  post(port, '/v2/commands/submit-and-wait', { commands: [{ ExerciseCommand: { templateId: '#pkg:Main:Vault', contractId, choice: 'Touch', choiceArgument: {} } }], commandId: `x${Math.random()}`, actAs: [actor], userId: 'issuer-user' });

const acsCount = async (port: number, party: string) => {
  const end = (await (await fetch(`http://127.0.0.1:${port}/v2/state/ledger-end`)).json()) as { offset: number };
  return ((await post(port, '/v2/state/active-contracts', { activeAtOffset: end.offset, eventFormat: { filtersByParty: { [party]: {} }, verbose: false } })).body as unknown as unknown[]).length;
};

const jsonPort = (p: CliProject, name: string): number => (p.state().nodes as Array<{ name: string; ports: { json: number } }>).find((n) => n.name === name)!.ports.json;

const projects: CliProject[] = [];
const opsLog = join(tmpdir(), `ops-decentral-${process.pid}-${Date.now()}.ndjson`);
const killMarker = join(tmpdir(), `kill-import-decentral-${process.pid}-${Date.now()}.marker`);
let p: CliProject;
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

// Created by two owners with submitting hosts and confirmation threshold 1 (so the party can sign a
// contract), a third owner added, then locked down to confirmations by 2 of 3.
const CREATE = ['party', 'decentralize', 'Treasury', '--owners', 'participant1,participant2', '--threshold', '2', '--confirmation-threshold', '1', '--permission', 'submission'];
const json = (s: string) => JSON.parse(s) as Record<string, any>;

describe('party decentralize (three participants, postgres)', () => {
  it('creates a 2-of-3 party through kills at every step, shows it, names an owner that is down', async () => {
    p = await makeProject({
      env: { CANTON_EMULATOR_CONSOLE_LOG: opsLog, CANTON_EMULATOR_KILL_DURING_IMPORT: killMarker },
      config: {
        participants: { participant1: {}, participant2: {}, participant3: {} },
        parties: { Issuer: 'participant1', Depositor: 'participant2', Vault: { decentralized: { owners: ['participant1', 'participant2', 'participant3'], threshold: 2 } } },
      },
    });
    projects.push(p);
    const up = await p.run(['up', '--storage', 'postgres', '--timeout', '120s']);
    expect(up.exitCode, up.stderr).toBe(0);
    // `up` created the configured decentralized party through the same plan.
    const vaultUp = json((await p.run(['party', 'status', 'Vault', '--json'])).stdout).parties[0];
    expect(vaultUp).toMatchObject({ namespace: 'decentralized', threshold: 2, namespaceThreshold: 2 });

    // A second one from the command line: the dry run changes nothing and says what it would cost.
    const dry = await p.run([...CREATE, '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const plan = json(dry.stdout);
    expect(plan.steps.map((s: { id: string; pending: boolean }) => `${s.id}:${s.pending}`)).toEqual(['namespace-keys:true', 'delegations:true', 'namespace:true', 'hosting:true', 'record:true']);
    expect(plan).toMatchObject({ consoleRuns: 1, consoleRunsToApply: 1, signers: ['participant1', 'participant2'] });

    // Killed (SIGKILL, console and CLI) right after each step; every re-run resumes from what exists.
    for (const step of ['namespace-keys', 'delegations', 'namespace']) {
      const r = await p.run([...CREATE, '--json'], { env: { CANTON_MPC_TEST_KILL_AT: step } });
      expect(r.signal, `${step}: ${r.stderr}`).toBe('SIGKILL');
    }
    // One owner goes down mid-way: the next run names it and changes nothing.
    const down = await consoleRun(p, 'participant2.synchronizers.disconnect("da")');
    expect(down.code, down.err + down.out).toBe(0);
    const refused = await p.run(CREATE);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toMatch(/owner participant2 is not connected to synchronizer da/);
    expect(refused.stderr).toContain('the steps already done are kept');
    const back = await consoleRun(p, 'participant2.synchronizers.reconnect("da")');
    expect(back.code, back.err + back.out).toBe(0);
    const killedHosting = await p.run(CREATE, { env: { CANTON_MPC_TEST_KILL_AT: 'hosting' } });
    expect(killedHosting.signal, killedHosting.stderr).toBe('SIGKILL');
    const done = await p.run([...CREATE, '--json']);
    expect(done.exitCode, done.stderr).toBe(0);
    const d = json(done.stdout);
    expect(d).toMatchObject({ ok: true, owners: ['participant1', 'participant2'], threshold: 2, confirmationThreshold: 1, permission: 'Submission', consoleRuns: 1 });
    expect(d.partyId).toMatch(/^Treasury::1220[0-9a-f]{64}$/);
    expect(d.partyId.split('::')[1]).toBe(d.namespace);
    const again = json((await p.run([...CREATE, '--json'])).stdout);
    expect(again).toMatchObject({ changed: false, consoleRuns: 1, partyId: d.partyId });
    // The party signs a contract with Issuer while one host may submit for it.
    const issuer = (p.state().parties as Record<string, { id: string }>).Issuer!.id;
    const p1 = p.ports.participant1.json;
    const created = await submitCreate(p1, [issuer, d.partyId], { issuer, treasury: d.partyId });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(await acsCount(jsonPort(p, 'participant3'), d.partyId)).toBe(0);

    // A third owner of a party with a contract: the namespace first (both current owners, the threshold,
    // and participant3 sign), then Workflow 2 brings it the ACS, then the hosting gets its permission.
    const plan3 = json((await p.run(['party', 'decentralize', 'Treasury', '--add', 'participant3', '--dry-run', '--json'])).stdout);
    expect(plan3).toMatchObject({ onboard: ['participant3'], consoleRunsToApply: 6 });
    expect(plan3.steps.filter((s: { pending: boolean }) => s.pending).map((s: { id: string }) => s.id)).toEqual(['namespace-keys', 'delegations', 'namespace', 'onboard', 'hosting', 'record']);
    // The daemon dies in the middle of the import: the next run restores participant3 from the step-9
    // backup first (never importing on top of a partial import), and this time the CLI is killed right
    // after the import; the run after that resumes Workflow 2 from its journal and finishes the change.
    const crashed = await p.run(['party', 'decentralize', 'Treasury', '--add', 'participant3']);
    expect(crashed.exitCode, crashed.stderr).not.toBe(0);
    expect(existsSync(killMarker)).toBe(true);
    const cut = await p.run(['party', 'decentralize', 'Treasury', '--add', 'participant3'], { env: { CANTON_MPC_TEST_KILL_AT: 'import-acs' } });
    expect(cut.signal, cut.stderr).toBe('SIGKILL');
    expect(cut.stderr).toMatch(/an ACS import on participant3 was interrupted: restoring canton_participant3 from the step-9 backup/);
    const grow = await p.run(['party', 'decentralize', 'Treasury', '--add', 'participant3', '--json']);
    expect(grow.exitCode, grow.stderr).toBe(0);
    expect(json(grow.stdout)).toMatchObject({ changed: true, onboarded: ['participant3'], owners: ['participant1', 'participant2', 'participant3'], threshold: 2, permission: 'Submission', partyId: d.partyId, namespace: d.namespace });
    expect(await acsCount(jsonPort(p, 'participant3'), d.partyId)).toBe(1);
    const w2 = readFileSync(join(p.stateDir, 'replication', 'Treasury-to-participant3', 'journal.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { step: string; status: string });
    expect(w2.filter((r) => r.step === 'import-acs').map((r) => r.status)).toEqual(['started', 'failed', 'started', 'done', 'skipped']);
    expect(consoleOps(opsLog).filter((o) => o.op === 'participant.parties.import_acs' && o.ok)).toHaveLength(1);
    expect(w2.some((r) => r.step === 'clear-onboarding-flag' && r.status === 'done')).toBe(true);
    const hosted = json((await p.run(['party', 'status', 'Treasury', '--json'])).stdout).parties[0];
    expect(hosted.hosts.map((h: { participant: string; permission: string; onboarding: boolean }) => `${h.participant}:${h.permission}:${h.onboarding}`).sort()).toEqual(['participant1:Submission:false', 'participant2:Submission:false', 'participant3:Submission:false']);

    // Then 2 of 3 hosts must confirm.
    const lock = await p.run(['party', 'decentralize', 'Treasury', '--confirmation-threshold', '2', '--permission', 'confirmation', '--json']);
    expect(lock.exitCode, lock.stderr).toBe(0);
    expect(json(lock.stdout)).toMatchObject({ changed: true, confirmationThreshold: 2, permission: 'Confirmation', consoleRuns: 2 });
    const alone = await submitCreate(p1, [d.partyId], { treasury: d.partyId });
    expect(alone.body.code).toBe('NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT');
    expect(decodeDecentral(String(alone.body.code))?.fix).toContain('PartyToKey');
    const contractId = await firstContract(p1, issuer);
    expect((await exercise(p1, issuer, contractId)).status).toBe(200);
    expect((await consoleRun(p, 'participant3.synchronizers.disconnect("da")')).code).toBe(0);
    const twoUp = await exercise(p1, issuer, contractId);
    expect(twoUp.status, JSON.stringify(twoUp.body)).toBe(200);
    expect((await consoleRun(p, 'participant2.synchronizers.disconnect("da")')).code).toBe(0);
    const oneUp = await exercise(p1, issuer, contractId);
    expect(oneUp.body.code, JSON.stringify(oneUp.body)).toBe('MEDIATOR_SAYS_TX_TIMED_OUT');
    expect(decodeCantonText(JSON.stringify(oneUp.body))[0]?.fix).toContain('party status');
    expect(decodeDecentral(String(oneUp.body.code))?.fix).toContain('confirmation threshold');
    expect((await consoleRun(p, 'participant2.synchronizers.reconnect("da")\nparticipant3.synchronizers.reconnect("da")')).code).toBe(0);

    const st = await p.run(['party', 'status', 'Treasury', '--json']);
    expect(st.exitCode, st.stderr).toBe(0);
    const row = json(st.stdout).parties[0];
    expect(row).toMatchObject({ name: 'Treasury', id: d.partyId, namespace: 'decentralized', threshold: 2, namespaceThreshold: 2, history: { state: 'used' } });
    expect([...row.owners].sort()).toEqual(['participant1', 'participant2', 'participant3']);
    expect(row.hosts.map((h: { participant: string; permission: string }) => `${h.participant}:${h.permission}`).sort()).toEqual(['participant1:Confirmation', 'participant2:Confirmation', 'participant3:Confirmation']);
    // A later CI step finds it in `env` like any other party.
    const vars = JSON.parse((await p.run(['env', '--format', 'json'])).stdout) as Record<string, string>;
    expect(vars).toMatchObject({ CANTON_MPC_PARTY_TREASURY: d.partyId, CANTON_MPC_PARTY_TREASURY_THRESHOLD: '2', CANTON_MPC_PARTY_TREASURY_CONFIRMATION_THRESHOLD: '2' });
    expect(vars.CANTON_MPC_PARTY_TREASURY_OWNERS!.split(',').sort()).toEqual(['participant1', 'participant2', 'participant3']);
    const text = await p.run(['party', 'status', 'Treasury']);
    expect(text.stdout).toMatch(/owners participant\d, participant\d, participant\d \(namespace threshold 2\)/);

    // Removing an owner: a threshold of the current owners signs; adding it back is refused (the party has a contract: Workflow 2).
    const rm = await p.run(['party', 'decentralize', 'Treasury', '--remove', 'participant3', '--json']);
    expect(rm.exitCode, rm.stderr).toBe(0);
    expect(json(rm.stdout)).toMatchObject({ owners: ['participant1', 'participant2'], threshold: 2, confirmationThreshold: 2, partyId: d.partyId });
    const after = json((await p.run(['party', 'status', 'Treasury', '--json'])).stdout).parties[0];
    expect([...after.owners].sort()).toEqual(['participant1', 'participant2']);
    expect(after.hosts).toHaveLength(2);

    // No private key material: the journal keeps key names and public fingerprints only.
    const journal = readFileSync(join(p.stateDir, 'decentralized', 'Treasury', 'journal.ndjson'), 'utf8');
    expect(journal).toContain('canton-mpc-Treasury-namespace');
    for (const f of filesUnder(p.stateDir).filter((x) => /decentralized/.test(x))) expect(readFileSync(f, 'utf8')).not.toMatch(/PRIVATE KEY|privateKey|"secret"/i);
  }, 300_000);

  it('replicates a decentralized party that never had contracts by Workflow 1: a threshold of its owners signs the party side', async () => {
    const mk = await p.run(['party', 'decentralize', 'Escrow', '--owners', 'participant1,participant2', '--threshold', '2', '--permission', 'confirmation', '--json']);
    expect(mk.exitCode, mk.stderr).toBe(0);
    const escrow = json(mk.stdout).partyId as string;
    const replicate = ['party', 'replicate', 'Escrow', '--to', 'participant3', '--permission', 'observation'];
    // Both owners must sign (2 of 2): one that is down is named before anything is proposed.
    expect((await consoleRun(p, 'participant2.synchronizers.disconnect("da")')).code).toBe(0);
    const before = proposals(consoleOps(opsLog)).length;
    const refused = await p.run(replicate);
    expect(refused.exitCode, refused.stderr).toBe(4);
    expect(refused.stderr).toMatch(/party Escrow lives in a decentralized namespace: the party side needs 2 of its 2 owners' signatures and only 1 can be given now, because owner participant2 is not connected to synchronizer da/);
    expect(refused.stderr).toContain('Nothing was proposed');
    expect(proposals(consoleOps(opsLog)).length).toBe(before);
    expect((await consoleRun(p, 'participant2.synchronizers.reconnect("da")')).code).toBe(0);

    const dry = resultLine((await p.run([...replicate, '--dry-run', '--json'])).stdout);
    expect(dry).toMatchObject({ workflow: 1, permission: 'Observation', source: 'participant1', partySigners: ['participant1', 'participant2'] });
    expect(dry.steps.filter((s: { pending: boolean }) => s.pending).map((s: { id: string }) => s.id)).toEqual(['preflight', 'propose-party-side', 'propose-participant-side', 'await-effective']);
    // Killed right after both owners signed: the re-run sees their signatures and only the target proposes.
    const cut = await p.run(replicate, { env: { CANTON_MPC_TEST_KILL_AT: 'propose-party-side' } });
    expect(cut.signal, cut.stderr).toBe('SIGKILL');
    const partySide = proposals(consoleOps(opsLog)).slice(before);
    expect(partySide.map((o) => `${o.node}:${o.ok}`)).toEqual(['participant1:true', 'participant2:true']);
    const done = await p.run([...replicate, '--json']);
    expect(done.exitCode, done.stderr).toBe(0);
    const r = resultLine(done.stdout);
    expect(r).toMatchObject({ ok: true, workflow: 1, partyId: escrow, alreadyDone: false, consoleRuns: 2 });
    expect(r.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual(['preflight:done', 'vet-packages:skipped', 'propose-party-side:skipped', 'propose-participant-side:done', 'await-effective:done']);
    expect(proposals(consoleOps(opsLog)).slice(before + 2).map((o) => o.node)).toEqual(['participant3']);
    const st = json((await p.run(['party', 'status', 'Escrow', '--json'])).stdout).parties[0];
    expect(st.hosts.map((h: { participant: string; permission: string }) => `${h.participant}:${h.permission}`).sort()).toEqual(['participant1:Confirmation', 'participant2:Confirmation', 'participant3:Observation']);
  }, 120_000);

  it('declared in canton-mpc.yaml: a new owner in the config is added by up, through Workflow 2 once the party has a contract', async () => {
    const vault = (owners: string[]) => ({ decentralized: { owners, threshold: 2 } });
    const config = (owners: string[]) => ({ storage: 'postgres', participants: { participant1: {}, participant2: {}, participant3: {} }, parties: { Issuer: 'participant1', Depositor: 'participant2', Safe: vault(owners) } });
    const q = await makeProject({ config: config(['participant1', 'participant2']) });
    projects.push(q);
    const first = await q.run(['up', '--timeout', '120s']);
    expect(first.exitCode, first.stderr).toBe(0);
    const safe = json((await q.run(['party', 'status', 'Safe', '--json'])).stdout).parties[0];
    const issuer = (q.state().parties as Record<string, { id: string }>).Issuer!.id;
    // Safe is an observer of Issuer's contract: a stakeholder, so a new host needs the ACS.
    expect((await submitCreate(q.ports.participant1.json, [issuer], { issuer, treasury: safe.id })).status).toBe(200);
    // The command line would fight the config: refused, the config is the place.
    const flag = await q.run(['party', 'decentralize', 'Safe', '--add', 'participant3']);
    expect(flag.exitCode).toBe(8);
    expect(flag.stderr).toMatch(/Safe is declared in canton-mpc.yaml/);
    q.writeConfig(config(['participant1', 'participant2', 'participant3']));
    const up = await q.run(['up', '--timeout', '120s']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/participant3 gets the ACS of Safe: Workflow 2 from participant1/);
    expect(await acsCount(jsonPort(q, 'participant3'), safe.id)).toBe(1);
    const after = json((await q.run(['party', 'status', 'Safe', '--json'])).stdout).parties[0];
    expect(after.id).toBe(safe.id);
    expect(after.hosts.map((h: { participant: string; permission: string; onboarding: boolean }) => `${h.participant}:${h.permission}:${h.onboarding}`).sort()).toEqual(['participant1:Confirmation:false', 'participant2:Confirmation:false', 'participant3:Confirmation:false']);
    // Converged: the next up has nothing to do for it.
    const again = await q.run(['up']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/Workflow 2/);
  }, 240_000);
});
