import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';
import { daemonPids, supervisorPids } from '../support/procs.js';

// Issue 13 item 1: config edits while up are applied in place (users and rights, signer spec, new
// DARs) or refused within a second with the list and the fix; `up` never stops what an earlier `up`
// started; `status` reports drift.

const SIGNER = `import { writeFileSync } from 'node:fs'; writeFileSync('signer-env.json', JSON.stringify({ ITER: process.env.ITER ?? null })); setInterval(() => {}, 1 << 30);`;

let p: CliProject;
let base: Record<string, unknown>;
beforeAll(async () => {
  p = await makeProject();
  writeFileSync(join(p.dir, 'signer.mjs'), SIGNER);
  base = { signer: { command: process.execPath, args: ['signer.mjs'], settle: '200ms', env: { ITER: '1' } } };
  p.writeConfig(base);
  const up = await p.run(['up', '--timeout', '60s']);
  if (up.exitCode !== 0) throw new Error(up.stderr);
});
afterAll(async () => {
  await p?.cleanup();
});

async function json(url: string): Promise<any> {
  const r = await fetch(url);
  expect(r.status, url).toBe(200);
  return r.json();
}

describe('config drift on a running topology', () => {
  it('users, rights, the signer spec and new DARs are applied in place; Canton keeps running', async () => {
    const daemon = p.state().canton.pid;
    const supervisor = p.state().signer.supervisor.pid;
    const p1 = `http://127.0.0.1:${p.ports.participant1.json}`;
    const packagesBefore = (await json(`${p1}/v2/packages`)).packageIds.length;
    writeFileSync(join(p.dir, 'new.dar'), Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(64)]));
    p.writeConfig({
      ...base,
      signer: { ...(base.signer as object), env: { ITER: '2' } },
      dars: ['new.dar'],
      users: {
        'issuer-user': { participant: 'participant1', primaryParty: 'Issuer', participantAdmin: true },
        'depositor-user': { participant: 'participant2', primaryParty: 'Depositor' },
        'ops-user': { participant: 'participant1', readAs: ['Issuer'] },
      },
    });

    const st = await p.run(['status', '--json']);
    expect(st.exitCode).toBe(1);
    const drift = JSON.parse(st.stdout).drift;
    expect(drift.refused).toEqual([]);
    expect(drift.inPlace.join('\n')).toMatch(/DAR .*new\.dar is uploaded/);
    expect(drift.inPlace.join('\n')).toMatch(/user issuer-user on participant1: rights converge/);
    expect(drift.inPlace.join('\n')).toMatch(/user ops-user on participant1 is created/);
    expect(drift.inPlace.join('\n')).toMatch(/signer spec changed/);

    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/applying in place: .*new\.dar/);
    expect(p.state().canton.pid).toBe(daemon);
    expect(daemonPids(p.stateDir)).toEqual([daemon]);
    expect(p.state().signer.supervisor.pid).not.toBe(supervisor);
    expect(supervisorPids(p.stateDir)).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(p.dir, 'signer-env.json'), 'utf8')).ITER).toBe('2');
    const rights = (await json(`${p1}/v2/users/issuer-user/rights`)).rights.map((r: any) => Object.keys(r.kind)[0]);
    expect(rights).toContain('ParticipantAdmin');
    expect((await json(`${p1}/v2/users/ops-user`)).user.id).toBe('ops-user');
    expect((await json(`${p1}/v2/packages`)).packageIds.length).toBe(packagesBefore + 1);

    const after = await p.run(['status', '--json']);
    expect(after.exitCode, after.stdout).toBe(0);
    expect(JSON.parse(after.stdout).drift).toEqual({ refused: [], inPlace: [] });
    const again = await p.run(['up', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, changed: false });
  });

  it.each([
    ['a new participant', { participants: { participant1: {}, participant2: {}, participant3: {} } }, /participant participant3 added/],
    ['a changed port', { participants: { participant1: { ports: { ledger: 0 } }, participant2: {} } }, /participant1 ledger port \d+ → \d+/],
    ['another storage', { storage: 'postgres' }, /participant1 storage memory → postgres/],
    ['another synchronizer', { synchronizer: { name: 'other' } }, /synchronizer da → other/],
    ['a new party', { parties: { Issuer: 'participant1', Depositor: 'participant2', Auditor: 'participant2' } }, /party Auditor added/],
  ])('%s is refused within a second, with the list and the fix; nothing is stopped', async (_n, change, why) => {
    const before = p.state();
    const cfg = { ...base, ...change } as Record<string, any>;
    if (cfg.participants?.participant1?.ports?.ledger === 0) cfg.participants.participant1.ports.ledger = p.portBase + 91;
    p.writeConfig(cfg);
    const t0 = Date.now();
    const up = await p.run(['up', '--timeout', '60s']);
    const took = Date.now() - t0;
    p.writeConfig(base);
    expect(up.exitCode, up.stderr).toBe(2);
    // Wall time of a whole CLI run (node start-up included) on a shared machine; before, this waited out --timeout.
    expect(took).toBeLessThan(3_000);
    expect(up.stderr).toMatch(why);
    expect(up.stderr).toMatch(/canton-mpc down.*canton-mpc up|revert the edit/);
    expect(daemonPids(p.stateDir)).toEqual([before.canton.pid]);
    expect(p.state().canton.pid).toBe(before.canton.pid);
    expect(supervisorPids(p.stateDir)).toEqual([before.signer.supervisor.pid]);
  });

  it('a failing re-run never stops the daemon an earlier up started', async () => {
    const daemon = p.state().canton.pid;
    // Make readiness run again on the daemon, and fail at once.
    const s = p.state();
    delete s.canton.readyAt;
    writeFileSync(join(p.stateDir, 'state.json'), JSON.stringify(s));
    const up = await p.run(['up', '--timeout', '1ms']);
    expect(up.exitCode).toBe(6);
    expect(up.stderr).toMatch(/left running: the Canton daemon \(pid \d+, started by an earlier `up`\)/);
    expect(daemonPids(p.stateDir)).toEqual([daemon]);
    const fixed = await p.run(['up', '--timeout', '60s']);
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(p.state().canton.pid).toBe(daemon);
  });
});
