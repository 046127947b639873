import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningProject, type CliProject } from '../support/cli.js';

let p: CliProject;
beforeAll(async () => {
  p = await runningProject();
});
afterAll(async () => {
  await p?.cleanup();
});

describe('status', () => {
  it('lists nodes, parties and users (its speed is measured by bench/up.mjs)', async () => {
    const r = await p.run(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.nodes.map((n: { name: string }) => n.name)).toEqual(['sequencer1', 'mediator1', 'participant1', 'participant2']);
    expect(s.parties.map((x: { name: string }) => x.name).sort()).toEqual(['Depositor', 'Issuer']);
    expect(s.users.every((u: { exists: boolean }) => u.exists)).toBe(true);
    const human = await p.run(['status']);
    expect(human.stdout).toMatch(/participant1\s+participant/);
    expect(human.stdout).toContain(`http://127.0.0.1:${p.ports.participant1.json}`);
  });

  it('a daemon crash: status exits 1 and names it; up restarts it and converges the users again', async () => {
    const before = p.state();
    process.kill(-before.canton.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const r = await p.run(['status']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/Canton daemon \(pid \d+\) is not running/);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    const after = p.state();
    expect(after.canton.pid).not.toBe(before.canton.pid);
    const st = JSON.parse((await p.run(['status', '--json'])).stdout);
    expect(st.healthy).toBe(true);
    expect(st.users.map((u: { id: string; exists: boolean }) => `${u.id}:${u.exists}`).sort()).toEqual(['depositor-user:true', 'issuer-user:true']);
  });
});
