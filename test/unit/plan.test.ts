import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePlan, runPlan } from '../../src/plan/runner.js';
import { openJournal, readJournal } from '../../src/plan/journal.js';
import { buildUpPlan, UP_STEP_IDS, type UpActions } from '../../src/plan/up.js';
import type { Step } from '../../src/plan/types.js';
import type { Topology } from '../../src/config/types.js';

function tmp() {
  return mkdtempSync(join(tmpdir(), 'plan-'));
}

/** A world of booleans: each step's effect is a flag; apply sets it. */
function world(initial: Record<string, boolean>) {
  const flags = { ...initial };
  const applied: string[] = [];
  const steps: Step<typeof flags>[] = Object.keys(initial).map((id) => ({
    id,
    title: id,
    needed: (w) => !w[id],
    apply: async (w) => {
      applied.push(id);
      w[id] = true;
    },
  }));
  return { flags, applied, steps };
}

describe('runPlan', () => {
  it.each([
    [{ a: false, b: false, c: false }, ['a', 'b', 'c']],
    [{ a: true, b: false, c: true }, ['b']],
    [{ a: true, b: true, c: true }, []],
  ])('applies only the steps whose effect is missing (%j)', async (initial, expected) => {
    const w = world(initial);
    const journal = await openJournal(join(tmp(), 'journal.ndjson'), 'r1');
    const outcomes = await runPlan(w.steps, w.flags, { journal });
    expect(w.applied).toEqual(expected);
    expect(outcomes.filter((o) => o.status === 'done').map((o) => o.id)).toEqual(expected);
  });

  it('journals started/done/skipped and a failure, then rethrows the error unchanged', async () => {
    const path = join(tmp(), 'journal.ndjson');
    const journal = await openJournal(path, 'run-1');
    const boom = new Error('boom');
    const steps: Step<object>[] = [
      { id: 'one', title: 'one', needed: () => false, apply: async () => {} },
      { id: 'two', title: 'two', needed: () => true, apply: async () => {} },
      { id: 'three', title: 'three', needed: () => true, apply: async () => { throw boom; } },
      { id: 'four', title: 'four', needed: () => true, apply: async () => {} },
    ];
    await expect(runPlan(steps, {}, { journal })).rejects.toBe(boom);
    const recs = await readJournal(path);
    expect(recs.map((r) => `${r.step}:${r.status}`)).toEqual(['one:skipped', 'two:started', 'two:done', 'three:started', 'three:failed']);
    expect(recs.every((r) => r.v === 1 && r.run === 'run-1')).toBe(true);
    expect(recs[4]!.error).toBe('boom');
  });

  it('calls the kill hook after the step is on disk', async () => {
    const path = join(tmp(), 'journal.ndjson');
    const journal = await openJournal(path, 'r');
    const seen: string[] = [];
    const w = world({ x: false, y: false });
    await runPlan(w.steps, w.flags, {
      journal,
      afterJournal: (id) => seen.push(`${id}:${readFileSync(path, 'utf8').trim().split('\n').pop()}`),
    });
    expect(seen[0]).toContain('"step":"x","status":"done"');
    expect(seen[1]).toContain('"step":"y","status":"done"');
  });

  it('describePlan observes without applying', async () => {
    const w = world({ a: true, b: false });
    expect(await describePlan(w.steps, w.flags)).toEqual([
      { id: 'a', title: 'a', pending: false },
      { id: 'b', title: 'b', pending: true },
    ]);
    expect(w.applied).toEqual([]);
  });
});

describe('journal', () => {
  it('refuses an unknown version with a hint', async () => {
    const path = join(tmp(), 'journal.ndjson');
    writeFileSync(path, '{"v":99,"run":"x","step":"a","status":"done","at":"t"}\n');
    await expect(readJournal(path)).rejects.toMatchObject({ message: expect.stringContaining('version 99'), hint: expect.stringContaining('Upgrade') });
  });
  it('ignores a torn last line (killed mid-write)', async () => {
    const path = join(tmp(), 'journal.ndjson');
    writeFileSync(path, '{"v":1,"run":"x","step":"a","status":"done","at":"t"}\n{"v":1,"run":"x","st');
    expect((await readJournal(path)).map((r) => r.step)).toEqual(['a']);
  });
  it('reports a garbage line with its line number', async () => {
    const path = join(tmp(), 'journal.ndjson');
    writeFileSync(path, 'nonsense\n');
    await expect(readJournal(path)).rejects.toMatchObject({ where: `${path}:1` });
  });
});

function topo(over: Partial<Topology> = {}): Topology {
  const mem = { type: 'memory' } as const;
  return {
    projectDir: '/p', stateDir: '/p/.canton-mpc', security: { mode: 'none', secretsDir: '/p/.canton-mpc/secrets' }, canton: { version: '3.4.11' }, synchronizer: { name: 's' }, storage: 'memory',
    sequencers: [{ kind: 'sequencer', name: 'sequencer1', address: '127.0.0.1', storage: mem, ports: { public: 1, admin: 2 } }],
    mediators: [{ kind: 'mediator', name: 'mediator1', address: '127.0.0.1', storage: mem, ports: { admin: 3 } }],
    participants: [{ kind: 'participant', name: 'participant1', address: '127.0.0.1', storage: mem, ports: { ledger: 4, admin: 5, json: 6 } }],
    parties: [], users: [], dars: [],
    postgres: { embedded: true, host: '127.0.0.1', port: 5432, user: 'canton', passwordEnv: 'POSTGRES_PASSWORD', databasePrefix: 'canton_' },
    ...over,
  };
}

describe('buildUpPlan', () => {
  const ids = (t: Topology, embedded = true) => buildUpPlan(t, { embeddedPostgres: embedded }).map((s) => s.id);
  it.each([
    ['memory, no signer', topo(), ['preflight', 'canton-release', 'render', 'canton-daemon', 'readiness', 'users', 'state']],
    ['postgres embedded', { ...topo(), participants: [{ ...topo().participants[0]!, storage: { type: 'postgres', database: 'canton_participant1' } }] } as Topology,
      ['preflight', 'canton-release', 'render', 'postgres-server', 'postgres-databases', 'canton-daemon', 'readiness', 'users', 'state']],
    ['signer', topo({ signer: { command: 'x', args: [], env: {}, passEnv: [], participant: 'participant1', party: 'P', user: 'u' } }),
      ['preflight', 'canton-release', 'render', 'canton-daemon', 'readiness', 'users', 'signer', 'state']],
    ['security: the secrets step before render', topo({ security: { mode: 'jwt', secretsDir: '/p/.canton-mpc/secrets' } }),
      ['preflight', 'canton-release', 'secrets', 'render', 'canton-daemon', 'readiness', 'users', 'state']],
  ])('%s', (_name, t, expected) => {
    expect(ids(t)).toEqual(expected);
    for (const id of expected) expect(UP_STEP_IDS).toContain(id);
  });
  it('external Postgres: databases but no server step', () => {
    const t = { ...topo(), participants: [{ ...topo().participants[0]!, storage: { type: 'postgres', database: 'd' } }] } as Topology;
    expect(ids(t, false)).toContain('postgres-databases');
    expect(ids(t, false)).not.toContain('postgres-server');
  });
  it('a re-run on a converged world applies only preflight and state', async () => {
    const calls: string[] = [];
    const yes = async () => true;
    const act = (n: string) => async () => void calls.push(n);
    const a: UpActions = {
      preflight: act('preflight'), cantonInstalled: yes, ensureCanton: act('ensureCanton'), secretsInPlace: yes, ensureSecrets: act('secrets'), renderedUpToDate: yes, render: act('render'),
      postgresServerRunning: yes, startPostgresServer: act('pg'), databasesProvisioned: yes, provisionDatabases: act('db'),
      daemonRunning: yes, startDaemon: act('daemon'), daemonReady: yes, waitForReadiness: act('ready'), usersConverged: yes, convergeUsers: act('users'),
      signerRunning: yes, startSigner: act('signer'), writeState: act('state'),
    };
    const journal = await openJournal(join(tmp(), 'j.ndjson'), 'r');
    await runPlan(buildUpPlan(topo(), { embeddedPostgres: true }), a, { journal });
    expect(calls).toEqual(['preflight', 'state']);
  });
});
