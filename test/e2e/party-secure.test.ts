// The party runbooks on a secured topology (security: jwt+tls and jwt+mtls): every console run gets fresh tokens
// (remote.conf includes the 0600 token file, rewritten before each run: tokens live 8 s here) and
// the history check goes over HTTPS with the topology's CA and an admin token. Workflow 2 too: its four
// console runs each get fresh tokens, the history check sees the contract over HTTPS, the target is
// backed up and imports once.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, resultLine, type CliProject } from '../support/cli.js';

const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['jwt+tls', 'jwt+mtls'])('party runbooks with security: %s', (security) => {
  it('party status and a Workflow 1 party replicate work after the tokens up wrote have expired', async () => {
    const p = await makeProject({ config: { security, auth: { type: 'generated', tokenLifetime: '8s' } } });
    projects.push(p);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    const depositor = p.state().parties.Depositor.id as string;
    // What a later CI step gets: the JSON API over https, and the CA to trust for it.
    const env = JSON.parse((await p.run(['env', '--format', 'json'])).stdout);
    expect(env.CANTON_MPC_PARTICIPANT1_JSON_API).toBe(`https://127.0.0.1:${p.ports.participant1.json}`);
    expect(env.CANTON_MPC_CA_FILE).toBe(`${p.stateDir}/secrets/tls/ca.crt`);
    // Longer than the tokens up wrote for the console live: a run with those would be refused.
    await sleep(9_000);

    const s1 = await p.run(['party', 'status', 'Depositor', '--json']);
    expect(s1.exitCode, s1.stderr).toBe(0);
    const d1 = JSON.parse(s1.stdout).parties[0];
    // history state 'none' needs the JSON API answers (an unknown history would say so).
    expect(d1, JSON.stringify(d1.history)).toMatchObject({ name: 'Depositor', id: depositor, workflow: 1, history: { state: 'none' } });
    expect(d1.hosts).toEqual([{ participant: 'participant2', permission: 'Submission', onboarding: false }]);

    // The replication's console runs get tokens of their own: the file is rewritten again.
    const tokenFile = join(p.stateDir, 'secrets', 'tokens', 'console.conf');
    const before = readFileSync(tokenFile, 'utf8');
    const rep = await p.run(['party', 'replicate', 'Depositor', '--to', 'participant1', '--json']);
    expect(rep.exitCode, rep.stderr).toBe(0);
    expect(readFileSync(tokenFile, 'utf8')).not.toBe(before);
    expect(resultLine(rep.stdout)).toMatchObject({ event: 'result', ok: true, workflow: 1, alreadyDone: false, target: 'participant1' });
    const st = await p.run(['party', 'status', 'Depositor', '--json']);
    expect(st.exitCode, st.stderr).toBe(0);
    const s2 = JSON.parse(st.stdout).parties[0];
    expect(s2.hosts.map((h: { participant: string }) => h.participant)).toEqual(['participant2', 'participant1']);
  }, 120_000);
});

/** POST over HTTPS, trusting the topology's CA, with a bearer token. */
function httpsPost(url: string, ca: Buffer, token: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(url, { method: 'POST', ca, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    r.on('error', reject);
    r.end(JSON.stringify(body));
  });
}

describe('Workflow 2 with security: jwt+tls, Postgres', () => {
  it('a party with a contract: every console run gets fresh tokens, the history check sees the contract over HTTPS, one import after the backup', async () => {
    const p = await makeProject({ config: { security: 'jwt+tls', storage: 'postgres', auth: { type: 'generated', tokenLifetime: '8s' } } });
    projects.push(p);
    const up = await p.run(['up', '--timeout', '90s']);
    expect(up.exitCode, up.stderr).toBe(0);
    const issuer = p.state().parties.Issuer.id as string;
    const ca = readFileSync(join(p.stateDir, 'secrets', 'tls', 'ca.crt'));
    const token = (await p.run(['token', '--user', 'issuer-user'])).stdout.trim();
    const created = await httpsPost(`https://127.0.0.1:${p.ports.participant1.json}/v2/commands/submit-and-wait`, ca, token, {
      commands: [{ CreateCommand: { templateId: '#canton-mpc-poc:Vault:RequestDeposit', createArguments: { owner: issuer, n: 1 } } }], commandId: 'secure-w2-1', actAs: [issuer], userId: 'issuer-user',
    });
    expect(created.status, created.body).toBe(200);
    // The tokens up wrote for the console have expired by now; each of Workflow 2's runs needs its own.
    await sleep(9_000);
    const rep = await p.run(['party', 'replicate', 'Issuer', '--to', 'participant2', '--json']);
    expect(rep.exitCode, rep.stderr).toBe(0);
    expect(resultLine(rep.stdout)).toMatchObject({ ok: true, workflow: 2, permission: 'Observation', consoleRuns: 4, alreadyDone: false });
    const journal = readFileSync(join(p.stateDir, 'replication', 'Issuer-to-participant2', 'journal.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { step: string; status: string });
    expect(journal.filter((r) => r.step === 'import-acs' && r.status === 'done')).toHaveLength(1);
    expect(journal.findIndex((r) => r.step === 'backup-target' && r.status === 'done')).toBeLessThan(journal.findIndex((r) => r.step === 'import-acs' && r.status === 'started'));
    const st = JSON.parse((await p.run(['party', 'status', 'Issuer', '--json'])).stdout).parties[0];
    expect(st.history.state, JSON.stringify(st.history)).toBe('used');
    expect(st.hosts).toEqual([
      { participant: 'participant1', permission: 'Submission', onboarding: false },
      { participant: 'participant2', permission: 'Observation', onboarding: false },
    ]);
    // No token in the run directory's scripts or logs.
    for (const f of ['party-offline-prepare.canton', 'party-offline-import.canton', 'party-offline-finish.canton']) expect(readFileSync(join(p.stateDir, 'replication', 'Issuer-to-participant2', f), 'utf8')).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  }, 180_000);
});

