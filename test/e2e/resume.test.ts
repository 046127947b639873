import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeProject, processesMentioning, signerProject, type CliProject } from '../support/cli.js';

// Step ids of a memory topology without a signer, in plan order (src/plan/up.ts UP_STEP_IDS).
const STEPS = ['preflight', 'canton-release', 'render', 'canton-daemon', 'readiness', 'users', 'state'];

let p: CliProject;
beforeAll(async () => {
  p = await makeProject();
});
afterAll(async () => {
  await p?.cleanup();
});

async function userRights(port: number, user: string): Promise<string[]> {
  for (let i = 0; i < 10; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/v2/users/${user}/rights`);
    if (r.ok) return ((await r.json()) as { rights: Array<{ kind: Record<string, { value: { party?: string } }> }> }).rights.map((x) => JSON.stringify(x.kind));
  }
  throw new Error('rights not readable');
}

describe('kill -9 of the CLI at each step boundary', () => {
  it.each(STEPS)('killed right after %s: the re-run converges, no duplicates, no orphans after down', async (step) => {
    const killed = await p.run(['up', '--timeout', '60s'], { env: { CANTON_MPC_TEST_KILL_AT: step } });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const again = await p.run(['up', '--timeout', '60s']);
    expect(again.exitCode, again.stderr).toBe(0);
    // Either the plan resumes, or (killed after the last effect landed) the fast path finds it all in place.
    expect(again.stderr).toMatch(/resuming an interrupted run|already up/);
    const state = p.state();
    expect(state.users.map((u: { id: string }) => u.id).sort()).toEqual(['depositor-user', 'issuer-user']);
    const rights = await userRights(p.ports.participant1.json, 'issuer-user');
    expect(rights).toHaveLength(2);
    expect(new Set(rights).size).toBe(2);
    // Exactly one daemon for this project.
    const status = JSON.parse((await p.run(['status', '--json'])).stdout);
    expect(status.healthy).toBe(true);
    const down = await p.run(['down']);
    expect(down.exitCode).toBe(0);
    expect(processesMentioning(p.dir)).toEqual([]);
  }, 120_000);
});

describe('kill -9 at the Postgres and signer steps', () => {
  // Own project: embedded Postgres and a signer add three step ids to the plan.
  let q: CliProject;
  beforeAll(async () => {
    q = await signerProject();
  });
  afterAll(async () => {
    await q?.cleanup();
  });
  it.each(['postgres-server', 'postgres-databases', 'signer'])('killed right after %s: the re-run converges, one signer, no orphans after down', async (step) => {
    const killed = await q.run(['up', '--storage', 'postgres', '--timeout', '60s'], { env: { CANTON_MPC_TEST_KILL_AT: step } });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const again = await q.run(['up', '--storage', 'postgres', '--timeout', '60s']);
    expect(again.exitCode, again.stderr).toBe(0);
    const status = JSON.parse((await q.run(['status', '--json'])).stdout);
    expect(status.healthy, JSON.stringify(status.problems)).toBe(true);
    expect(status.postgres.running).toBe(true);
    // Exactly one supervisor for this project.
    expect(processesMentioning(join(q.stateDir, 'signer-spec.json'))).toHaveLength(1);
    expect((await q.run(['down'])).exitCode).toBe(0);
    expect(processesMentioning(q.dir)).toEqual([]);
  }, 120_000);
});
