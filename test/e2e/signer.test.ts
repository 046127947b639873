import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allCmdlines, processesMentioning, ROOT_KEY, signerProject, TOKEN, type CliProject } from '../support/cli.js';

const projects: CliProject[] = [];
afterEach(async () => {
  while (projects.length) await projects.pop()!.cleanup();
});

describe('signer', () => {
  it('gets the topology in its environment, is restarted by its supervisor, and status shows the restarts', async () => {
    const p = await signerProject();
    projects.push(p);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    const env = JSON.parse(readFileSync(join(p.dir, 'signer-env.json'), 'utf8'));
    const st = p.state();
    expect(env).toMatchObject({
      CANTON_MPC_LEDGER_GRPC: `127.0.0.1:${p.ports.participant1.ledger}`,
      CANTON_MPC_JSON_API: `http://127.0.0.1:${p.ports.participant1.json}`,
      CANTON_JSON_API_URL: `http://127.0.0.1:${p.ports.participant1.json}`,
      CANTON_MPC_PARTY_ISSUER: st.parties.Issuer.id,
      CANTON_MPC_PARTY_DEPOSITOR: st.parties.Depositor.id,
      ISSUER_PARTY: st.parties.Issuer.id,
      CANTON_MPC_USER_ID: 'issuer-user',
      argv: ['--participant', 'participant1'],
      rootKeyLength: ROOT_KEY.length,
      tokenLength: TOKEN.length,
    });
    const status = JSON.parse((await p.run(['status', '--json'])).stdout);
    expect(status.signer).toMatchObject({ running: true, restarts: 1, state: 'running' });

    // Kill the signer itself (not the supervisor): it comes back and the count goes up.
    process.kill(status.signer.childPid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    let s2 = status;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      s2 = JSON.parse((await p.run(['status', '--json'])).stdout);
      if (s2.signer.restarts >= 2 && s2.signer.state === 'running') break;
    }
    expect(s2.signer).toMatchObject({ running: true, restarts: 2, state: 'running' });
    expect(s2.signer.childPid).not.toBe(status.signer.childPid);
    expect((await p.run(['logs', 'signer'])).stdout).toMatch(/signer listening/);

    const down = await p.run(['down']);
    expect(down.stdout).toMatch(/signer\s+stopped/);
    expect(processesMentioning(p.dir)).toEqual([]);
    expect(allCmdlines().has(s2.signer.childPid)).toBe(false);
    expect(allCmdlines().has(s2.signer.pid)).toBe(false);
  });

  it('refuses a secrets file readable by others, naming the chmod fix, before starting anything', async () => {
    const p = await signerProject();
    projects.push(p);
    chmodSync(join(p.dir, 'signer.secrets'), 0o644);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode).toBe(3);
    expect(up.stderr).toContain(`chmod 600 ${join(p.dir, 'signer.secrets')}`);
    expect(up.stderr + up.stdout).not.toContain(ROOT_KEY);
  });

  it('an unknown placeholder is a config error', async () => {
    const p = await signerProject();
    projects.push(p);
    const cfg = readFileSync(join(p.dir, 'canton-mpc.yaml'), 'utf8').replace('{parties.Issuer.id}', '{parties.Ghost.id}');
    writeFileSync(join(p.dir, 'canton-mpc.yaml'), cfg);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode).toBe(3);
    expect(up.stderr).toMatch(/Ghost/);
    expect(processesMentioning(p.dir)).toEqual([]);
  });
});
