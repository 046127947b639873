import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, processesMentioning, type CliProject } from '../support/cli.js';
import { daemonPids } from '../support/procs.js';
import { findProjectProcesses } from '../../src/state/discover.js';

// Issue 13 item 7: as root, the embedded PostgreSQL works in a project directory its account cannot
// enter (any `mktemp -d`, /root/...) and without a `postgres` user; doctor and the preflight share
// the check, so doctor never says ready when up would fail.

const asRoot = process.getuid?.() === 0;
const dirs: string[] = [];
const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe.skipIf(!asRoot)('embedded PostgreSQL as root', () => {
  it('a 0700 project directory and the `nobody` account: up works, data outside the project, down --wipe removes it', async () => {
    const dataRoot = mkdtempSync(join(tmpdir(), 'cmpc-pgroot-'));
    chmodSync(dataRoot, 0o755);
    dirs.push(dataRoot);
    const p = await makeProject({ env: { CANTON_MPC_POSTGRES_RUN_AS: 'nobody', CANTON_MPC_POSTGRES_DATA_ROOT: dataRoot } });
    projects.push(p);
    chmodSync(p.dir, 0o700); // what mktemp -d gives: no one but root may enter

    const doctor = await p.run(['doctor', '--json'], { env: { CANTON_MPC_POSTGRES_RUN_AS: 'nobody' } });
    p.writeConfig({ storage: 'postgres' });
    const d2 = JSON.parse((await p.run(['doctor', '--json'])).stdout).checks.find((c: { id: string }) => c.id === 'postgres');
    expect(doctor.exitCode === 0 || doctor.exitCode === 1).toBe(true);
    expect(d2.status, d2.detail).toBe('ok');
    expect(d2.detail).toMatch(/runs as nobody/);
    expect(d2.detail).toContain(dataRoot);

    const up = await p.run(['up', '--timeout', '90s']);
    expect(up.exitCode, up.stderr).toBe(0);
    const server = findProjectProcesses(p.stateDir, { CANTON_MPC_POSTGRES_DATA_ROOT: dataRoot }).find((x) => x.role === 'postgres');
    expect(server).toBeDefined();
    expect(uidOf(server!.pid)).toBe(65534);
    expect(readdirSync(dataRoot)).toHaveLength(1);
    expect(existsSync(join(p.stateDir, 'postgres'))).toBe(false);

    const down = await p.run(['down', '--wipe', '--yes']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(readdirSync(dataRoot)).toEqual([]);
    expect(processesMentioning(p.dir)).toEqual([]);
  }, 150_000);

  it('when no data location works, doctor fails and up refuses in its preflight with the same reason, before Canton starts', async () => {
    const closed = mkdtempSync(join(tmpdir(), 'cmpc-pgclosed-'));
    dirs.push(closed);
    chmodSync(closed, 0o700);
    const dataRoot = join(closed, 'data');
    mkdirSync(dataRoot);
    const p = await makeProject({ env: { CANTON_MPC_POSTGRES_RUN_AS: 'nobody', CANTON_MPC_POSTGRES_DATA_ROOT: dataRoot }, config: { storage: 'postgres' } });
    projects.push(p);
    chmodSync(p.dir, 0o700);
    const doctor = await p.run(['doctor', '--json']);
    expect(doctor.exitCode).toBe(1);
    const check = JSON.parse(doctor.stdout).checks.find((c: { id: string }) => c.id === 'postgres');
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(/runs as nobody .*can reach neither/);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode).toBe(4);
    expect(up.stderr).toContain(check.detail);
    expect(daemonPids(p.stateDir)).toEqual([]);
  });
});
