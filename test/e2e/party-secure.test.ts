// The party runbooks on a secured topology (security: jwt+tls and jwt+mtls): every console run gets fresh tokens
// (remote.conf includes the 0600 token file, rewritten before each run: tokens live 8 s here) and
// the history check goes over HTTPS with the topology's CA and an admin token.
import { readFileSync } from 'node:fs';
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
