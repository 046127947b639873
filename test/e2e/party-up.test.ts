// The multi-controller recipe from the config: `up` hosts Depositor on participant1 too (Workflow 1)
// before anything uses it, so issuer-user on participant1 submits as Issuer and Depositor. With
// Postgres, `down` + `up` restarts on persisted state: the bootstrap's `hosted` guard keeps Canton's
// parties.enable (which fails on an existing party) from running, and the hosting survives.
import { afterAll, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';
import { submitCreate } from '../support/party.js';

let p: CliProject | undefined;
afterAll(async () => {
  await p?.cleanup();
});

const CONFIG = {
  storage: 'postgres',
  parties: { Issuer: 'participant1', Depositor: { participant: 'participant2', alsoHostedOn: { participant1: 'submission' } } },
  users: {
    'issuer-user': { participant: 'participant1', primaryParty: 'Issuer', actAs: ['Issuer', 'Depositor'], readAs: ['Issuer', 'Depositor'] },
    'depositor-user': { participant: 'participant2', primaryParty: 'Depositor' },
  },
};

const hosts = async (q: CliProject) => {
  const s = JSON.parse((await q.run(['party', 'status', 'Depositor', '--json'])).stdout).parties[0];
  return { serial: s.serial as number, hosts: (s.hosts as Array<{ participant: string; permission: string }>).map((h) => `${h.participant}:${h.permission}`) };
};

it('up replicates alsoHostedOn parties; RequestDeposit as Issuer and Depositor on participant1; restart on Postgres keeps it', async () => {
  p = await makeProject({ config: CONFIG });
  const dry = await p.run(['up', '--dry-run', '--json']);
  expect(dry.exitCode, dry.stderr).toBe(0);
  expect(JSON.parse(dry.stdout).steps.map((s: { id: string }) => s.id)).toContain('party-hosting');

  const up = await p.run(['up', '--timeout', '90s']);
  expect(up.exitCode, up.stderr).toBe(0);
  expect(up.stderr).toMatch(/Depositor is now also hosted on participant1 \(submission\)/);
  expect(await hosts(p)).toEqual({ serial: 2, hosts: ['participant2:Submission', 'participant1:Submission'] });
  const ids = p.state().parties as Record<string, { id: string }>;
  const issuer = ids.Issuer!.id;
  const depositor = ids.Depositor!.id;
  const sub = await submitCreate(p.ports.participant1.json, [issuer, depositor], { issuer, depositor });
  expect(sub.status, JSON.stringify(sub.body)).toBe(200);

  const down = await p.run(['down']);
  expect(down.exitCode, down.stderr).toBe(0);
  const again = await p.run(['up', '--timeout', '90s', '--json']);
  expect(again.exitCode, again.stderr).toBe(0);
  // `up --json` streams NDJSON events; the last line is the result with the steps.
  const result = JSON.parse(again.stdout.trim().split('\n').at(-1)!);
  expect(result.event).toBe('result');
  expect(result.steps.find((s: { id: string }) => s.id === 'party-hosting').status).toBe('done');
  expect((p.state().parties as Record<string, { id: string }>).Depositor!.id).toBe(depositor);
  expect(await hosts(p)).toEqual({ serial: 2, hosts: ['participant2:Submission', 'participant1:Submission'] });
  expect((await submitCreate(p.ports.participant1.json, [issuer, depositor], { issuer, depositor })).status).toBe(200);

  // The same daemon: the marker answers, no console run.
  const third = await p.run(['up', '--json']);
  expect(third.exitCode, third.stderr).toBe(0);
}, 240_000);
