import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeFakeJdk } from '../support/fake-jdk.js';
import { freePortBase, topologyOffsets } from '../support/ports.js';
import { packDistribution } from '../emulator/pack.js';

const CLI = resolve(import.meta.dirname, '../../bin/canton-mpc.js');
let work: string;
let base: number;
let jdk21: string;
let holder: ChildProcess | undefined;

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail';
  required: boolean;
  detail: string;
  fix?: string;
}

function doctor(args: string[] = [], env: Record<string, string | undefined> = {}) {
  const e: Record<string, string | undefined> = { ...process.env, JAVA_HOME: jdk21, CANTON_MPC_HOME: join(work, 'cache'), CI: '1', ...env };
  return execa('node', [CLI, ...args], { env: e, extendEnv: false, reject: false, cwd: work });
}
const checks = (stdout: string) => (JSON.parse(stdout) as { ok: boolean; checks: Check[] }).checks;
const byId = (stdout: string, id: string) => checks(stdout).find((c) => c.id === id)!;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cmpc-doctor-'));
  jdk21 = makeFakeJdk(join(work, 'jdk21'), '21');
  base = await freePortBase([...topologyOffsets(2), 99]);
  writeFileSync(join(work, 'canton-mpc.yaml'), `portBase: ${base}\n`);
});
afterEach(() => {
  holder?.kill('SIGKILL');
  holder = undefined;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('canton-mpc doctor', () => {
  it('--json: every check has id, status, detail; exit 0 with warnings only', async () => {
    const r = await doctor(['--json', 'doctor']);
    const cs = checks(r.stdout);
    expect(cs.map((c) => c.id)).toEqual(['node', 'jdk', 'canton-release', 'memory', 'cpu', 'disk', 'ports', 'sandbox-ports', 'postgres', 'certificates', 'token-lifetime', 'signer']);
    for (const c of cs) expect(['ok', 'warn', 'fail']).toContain(c.status);
    expect(byId(r.stdout, 'canton-release').status).toBe('warn');
    expect(byId(r.stdout, 'ports').detail).toContain(String(base + 11));
    expect(r.exitCode, r.stdout).toBe(0);
    expect((JSON.parse(r.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it('a configured port held by another process: exit 1, the holder named with its pid', async () => {
    const port = base + 13;
    holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => holder!.stdout!.once('data', () => r()));
    const r = await doctor(['doctor']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`127.0.0.1:${port} (participant1 json) is held by pid ${holder.pid} (`);
    expect(r.stdout).toContain(`kill ${holder.pid}`);
    expect(r.stdout).toContain('1 required check failed');
  });

  it('the release shows as installed once it is in the cache', async () => {
    const rel = await packDistribution({ outDir: join(work, 'pkg') });
    const inst = await doctor(['canton', 'install', '--file', rel.tarball, '--sha256', rel.sha256]);
    expect(inst.exitCode, inst.stderr).toBe(0);
    const r = await doctor(['--json', 'doctor']);
    expect(byId(r.stdout, 'canton-release')).toMatchObject({ status: 'ok', detail: `installed at ${join(work, 'cache', 'canton', '3.4.11')}` });
  });

  it('external Postgres that is not there: PostgreSQL fails with a fix', async () => {
    const dir = mkdtempSync(join(work, 'pg-'));
    writeFileSync(join(dir, 'canton-mpc.yaml'), `portBase: ${base}\nstorage: postgres\npostgres:\n  embedded: false\n  host: 127.0.0.1\n  port: ${base + 99}\n`);
    const r = await execa('node', [CLI, '--json', 'doctor'], { env: { ...process.env, JAVA_HOME: jdk21, CANTON_MPC_HOME: join(work, 'cache'), CI: '1' }, reject: false, cwd: dir });
    const pg = byId(r.stdout, 'postgres');
    expect(pg.status, r.stdout + r.stderr).toBe('fail');
    expect(pg.detail).toContain(`127.0.0.1:${base + 99}: not reachable`);
    expect(pg.fix).toContain('pg_isready');
    expect(r.exitCode).toBe(1);
  });

  it('a broken config: exit 3 with the located message', async () => {
    const dir = mkdtempSync(join(work, 'bad-'));
    writeFileSync(join(dir, 'canton-mpc.yaml'), 'portBase: "nope"\n');
    const r = await execa('node', [CLI, 'doctor'], { env: { ...process.env, CI: '1' }, reject: false, cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('canton-mpc.yaml:1');
  });
});
