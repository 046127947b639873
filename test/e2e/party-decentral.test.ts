// party decentralize (Workflow 3) on three participants with Postgres: a 2-of-3 decentralized party
// created through a CLI killed after every step (each re-run converges), shown by `party status`; an
// owner stopped mid-way is named; confirmations need 2 of its 3 hosts; no key material anywhere.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder, makeProject, type CliProject } from '../support/cli.js';
import { consoleRun } from '../support/party.js';

const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

const OWNERS = 'participant1,participant2,participant3';
const json = (s: string) => JSON.parse(s) as Record<string, any>;

describe('party decentralize (three participants, postgres)', () => {
  it('creates a 2-of-3 party through kills at every step, shows it, names an owner that is down', async () => {
    const p = await makeProject({
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
    const dry = await p.run(['party', 'decentralize', 'Treasury', '--owners', OWNERS, '--threshold', '2', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const plan = json(dry.stdout);
    expect(plan.steps.map((s: { id: string; pending: boolean }) => `${s.id}:${s.pending}`)).toEqual(['namespace-keys:true', 'delegations:true', 'namespace:true', 'hosting:true', 'record:true']);
    expect(plan).toMatchObject({ consoleRuns: 1, consoleRunsToApply: 1, signers: ['participant1', 'participant2', 'participant3'] });

    // Killed (SIGKILL, console and CLI) right after each step; every re-run resumes from what exists.
    for (const step of ['namespace-keys', 'delegations', 'namespace']) {
      const r = await p.run(['party', 'decentralize', 'Treasury', '--owners', OWNERS, '--threshold', '2', '--json'], { env: { CANTON_MPC_TEST_KILL_AT: step } });
      expect(r.signal, `${step}: ${r.stderr}`).toBe('SIGKILL');
    }
    // One owner goes down mid-way: the next run names it and changes nothing.
    const down = await consoleRun(p, 'participant3.synchronizers.disconnect("da")');
    expect(down.code, down.err + down.out).toBe(0);
    const refused = await p.run(['party', 'decentralize', 'Treasury', '--owners', OWNERS, '--threshold', '2']);
    expect(refused.exitCode).toBe(4);
    expect(refused.stderr).toMatch(/owner participant3 is not connected to synchronizer da/);
    expect(refused.stderr).toContain('the steps already done are kept');
    const back = await consoleRun(p, 'participant3.synchronizers.reconnect("da")');
    expect(back.code, back.err + back.out).toBe(0);
    const killedHosting = await p.run(['party', 'decentralize', 'Treasury', '--owners', OWNERS, '--threshold', '2'], { env: { CANTON_MPC_TEST_KILL_AT: 'hosting' } });
    expect(killedHosting.signal, killedHosting.stderr).toBe('SIGKILL');
    const done = await p.run(['party', 'decentralize', 'Treasury', '--owners', OWNERS, '--threshold', '2', '--json']);
    expect(done.exitCode, done.stderr).toBe(0);
    const d = json(done.stdout);
    expect(d).toMatchObject({ ok: true, owners: ['participant1', 'participant2', 'participant3'], threshold: 2, confirmationThreshold: 2, permission: 'Confirmation', consoleRuns: 1 });
    expect(d.partyId).toMatch(/^Treasury::1220[0-9a-f]{64}$/);
    expect(d.partyId.split('::')[1]).toBe(d.namespace);
    const again = json((await p.run(['party', 'decentralize', 'Treasury', '--owners', OWNERS, '--threshold', '2', '--json'])).stdout);
    expect(again).toMatchObject({ changed: false, consoleRuns: 1, partyId: d.partyId });

    const st = await p.run(['party', 'status', 'Treasury', '--json']);
    expect(st.exitCode, st.stderr).toBe(0);
    const row = json(st.stdout).parties[0];
    expect(row).toMatchObject({ name: 'Treasury', id: d.partyId, namespace: 'decentralized', threshold: 2, namespaceThreshold: 2 });
    expect([...row.owners].sort()).toEqual(['participant1', 'participant2', 'participant3']);
    expect(row.hosts.map((h: { participant: string; permission: string }) => `${h.participant}:${h.permission}`).sort()).toEqual(['participant1:Confirmation', 'participant2:Confirmation', 'participant3:Confirmation']);
    const text = await p.run(['party', 'status', 'Treasury']);
    expect(text.stdout).toMatch(/owners participant\d, participant\d, participant\d \(namespace threshold 2\)/);

    // No private key material: the journal keeps key names and public fingerprints only.
    const journal = readFileSync(join(p.stateDir, 'decentralized', 'Treasury', 'journal.ndjson'), 'utf8');
    expect(journal).toContain('canton-mpc-Treasury-namespace');
    for (const f of filesUnder(p.stateDir).filter((x) => /decentralized/.test(x))) expect(readFileSync(f, 'utf8')).not.toMatch(/PRIVATE KEY|privateKey|"secret"/i);
  }, 300_000);
});
