import { execa } from 'execa';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, processesMentioning, type CliProject } from '../support/cli.js';
import { daemonPids, signerPids, supervisorPids, waitFor } from '../support/procs.js';

// Issue 13 items 2 and 3: a signer that cannot run is never reported as up, and there is exactly one
// signer per project, enforced by the supervisor itself.

const projects: CliProject[] = [];
afterEach(async () => {
  while (projects.length) await projects.pop()!.cleanup();
});

const LIVE = `import { writeFileSync } from 'node:fs'; writeFileSync('started-' + process.pid, ''); console.log('signer up'); setInterval(() => {}, 1 << 30);`;
const EXITS = `console.log('cannot open the vault: /nonexistent/key'); process.exit(7);`;
const FLAKY = `console.log('flaky signer'); setTimeout(() => process.exit(1), 700);`;

async function signer(script: string, signerCfg: Record<string, unknown> = {}): Promise<CliProject> {
  const p = await makeProject();
  projects.push(p);
  writeFileSync(join(p.dir, 'signer.mjs'), script);
  p.writeConfig({ signer: { command: process.execPath, args: ['signer.mjs'], settle: '300ms', ...signerCfg } });
  return p;
}

describe('a signer that cannot run is not reported as up', () => {
  it('missing command, missing cwd, unset passEnv: refused by the preflight before Canton starts, and doctor says so', async () => {
    const p = await signer(LIVE, { command: './no-such-signer', cwd: 'missing-dir', passEnv: ['MPC_UNSET_SHARE_X'] });
    const t0 = Date.now();
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(3);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(up.stderr).toContain(`signer.cwd ${join(p.dir, 'missing-dir')} does not exist`);
    expect(up.stderr).toMatch(/MPC_UNSET_SHARE_X/);
    expect(up.stderr).not.toMatch(/\/usr\/bin\/node was not found|node was not found/);
    expect(daemonPids(p.stateDir)).toEqual([]);
    const doctor = await p.run(['doctor', '--json']);
    expect(doctor.exitCode).toBe(1);
    const check = JSON.parse(doctor.stdout).checks.find((c: { id: string }) => c.id === 'signer');
    expect(check).toMatchObject({ status: 'fail', required: true });
    expect(check.detail).toMatch(/missing-dir/);

    p.writeConfig({ signer: { command: './no-such-signer', settle: '300ms' } });
    const up2 = await p.run(['up', '--timeout', '60s']);
    expect(up2.exitCode).toBe(3);
    expect(up2.stderr).toMatch(/signer.command \.\/no-such-signer is not an executable file/);
  });

  it('a signer that exits at once: exit 5 with its exit code and log tail; Canton stays up, no supervisor left', async () => {
    // The default settle (2 s): a shorter one can pass before node has even started the script on a loaded machine.
    const p = await signer(EXITS, { settle: '2s' });
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(5);
    expect(up.stderr).toMatch(/exit code 7/);
    expect(up.stderr).toContain('cannot open the vault');
    expect(up.stdout).not.toMatch(/Signer\s+running/);
    expect(supervisorPids(p.stateDir)).toEqual([]);
    expect(daemonPids(p.stateDir)).toHaveLength(1);
    const st = JSON.parse((await p.run(['status', '--json'])).stdout);
    expect(st.healthy).toBe(false);
    expect(st.signer.running).toBe(false);
    // Fixed: the next `up` starts it on the Canton that kept running.
    const daemon = p.state().canton.pid;
    writeFileSync(join(p.dir, 'signer.mjs'), LIVE);
    const again = await p.run(['up', '--timeout', '60s']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(p.state().canton.pid).toBe(daemon);
  });

  it('succeeds only after the settle period; status tells "restarting (n times, last exit code c)" from "running"', async () => {
    const p = await signer(FLAKY, { settle: '400ms' });
    const t0 = Date.now();
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    // The signer lives 700 ms: up waited at least the settle period after starting it.
    expect(Date.now() - t0).toBeGreaterThan(400);
    let st: any;
    const deadline = Date.now() + 8_000;
    do {
      st = JSON.parse((await p.run(['status', '--json'])).stdout);
    } while (st.signer.condition !== 'restarting' && Date.now() < deadline);
    expect(st.signer).toMatchObject({ condition: 'restarting', running: true, lastExit: { code: 1 } });
    expect(st.healthy).toBe(false);
    let human = '';
    const until = Date.now() + 8_000;
    do human = (await p.run(['status'])).stdout;
    while (!/restarting \(/.test(human) && Date.now() < until);
    expect(human).toMatch(/restarting \(\d+ times?, last exit code 1\)/);
  }, 30_000);
});

describe('exactly one signer per project', () => {
  it('a second supervisor for the project exits at once; the lock dies with its holder', async () => {
    const p = await signer(LIVE, { settle: '200ms' });
    expect((await p.run(['up', '--timeout', '60s'])).exitCode).toBe(0);
    const [sup] = supervisorPids(p.stateDir);
    expect(sup).toBeDefined();
    const entry = resolve('dist/signer/supervisor.js');
    const t0 = Date.now();
    const second = await execa('node', [entry, join(p.stateDir, 'signer-spec.json')], { reject: false, input: JSON.stringify({ env: { PATH: process.env.PATH } }), timeout: 10_000 });
    expect(second.exitCode).toBe(3);
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(second.stdout).toMatch(new RegExp(`another supervisor \\(pid ${sup}\\) already runs the signer`));
    expect(signerPids(p.dir)).toHaveLength(1);

    // SIGKILL of the supervisor: its signer dies with it (parent-death signal), and up starts one again.
    process.kill(sup!, 'SIGKILL');
    expect(await waitFor(() => signerPids(p.dir).length === 0, 5_000)).toBe(true);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(signerPids(p.dir)).toHaveLength(1);
    expect(supervisorPids(p.stateDir)).toHaveLength(1);
  });

  it('down finds and stops every supervisor and signer of the project without state.json', async () => {
    const p = await signer(LIVE, { settle: '200ms' });
    expect((await p.run(['up', '--timeout', '60s'])).exitCode).toBe(0);
    expect(signerPids(p.dir)).toHaveLength(1);
    rmSync(join(p.stateDir, 'state.json'));
    const down = await p.run(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/signer\s+stopped/);
    expect(down.stdout).toMatch(/canton\s+stopped/);
    expect(signerPids(p.dir)).toEqual([]);
    expect(processesMentioning(p.dir)).toEqual([]);
  });
});
