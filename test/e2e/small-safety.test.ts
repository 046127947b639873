import { execa } from 'execa';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, makeProject, processesMentioning, type CliProject } from '../support/cli.js';
import { daemonPids } from '../support/procs.js';

// Issue 13 item 8: the smaller ones, each with a test.

const projects: CliProject[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
async function project(...a: Parameters<typeof makeProject>) {
  const p = await makeProject(...a);
  projects.push(p);
  return p;
}

describe('small safety items', () => {
  it('--timeout 0 (and other non-positive durations) is refused before anything starts', async () => {
    const p = await project();
    for (const t of ['0', '0s', '0ms']) {
      const r = await p.run(['up', '--timeout', t]);
      expect(r.exitCode, t).toBe(2);
      expect(r.stderr).toContain(`--timeout ${t} is not a positive duration`);
    }
    expect(daemonPids(p.stateDir)).toEqual([]);
  });

  it('a readiness failure quotes only this run\'s lines of canton.log', async () => {
    const p = await project();
    mkdirSync(join(p.stateDir, 'logs'), { recursive: true });
    appendFileSync(join(p.stateDir, 'logs', 'canton.log'), 'EARLIER-RUN-LINE: this is from yesterday\n');
    const r = await p.run(['up', '--timeout', '60s'], { env: { CANTON_EMULATOR_FAIL_BOOTSTRAP: 'boom' } });
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toMatch(/last lines of the Canton log/);
    expect(r.stderr).toMatch(/boom/);
    expect(r.stderr).not.toContain('EARLIER-RUN-LINE');
  });

  it('CANTON_MPC_HOME inside /proc or below a file: a clear error, exit 4, at once', async () => {
    const p = await project();
    writeFileSync(join(p.dir, 'afile'), '');
    for (const [home, why] of [
      ['/proc/canton-mpc-cache', /is inside \/proc, a virtual filesystem/],
      [join(p.dir, 'afile', 'cache'), /is below .*afile, which is not a directory/],
    ] as const) {
      const t0 = Date.now();
      const r = await p.run(['up', '--timeout', '60s'], { env: { CANTON_MPC_HOME: home }, timeoutMs: 15_000 });
      expect(r.exitCode, r.stderr).toBe(4);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(Date.now() - t0).toBeLessThan(10_000);
    }
  });

  it('a stateDir that is a file: says so (exit 3), not "state.json is not valid JSON"', async () => {
    const p = await project({ config: { stateDir: 'state-file' } });
    writeFileSync(join(p.dir, 'state-file'), 'I am a file\n');
    for (const args of [['status'], ['up', '--timeout', '60s']]) {
      const r = await p.run(args);
      expect(r.exitCode, `${args[0]}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toContain(`the state directory ${join(p.dir, 'state-file')} is not a directory`);
      expect(r.stderr).not.toMatch(/not valid JSON/);
    }
  });

  it.each([
    ['999.1.1.1', /999\.1\.1\.1 is neither a valid IP address nor a host name that resolves/],
    ['10.255.255.1', /10\.255\.255\.1 is not an address of this machine/],
  ])('address %s is reported as not local, not as a busy port', async (address, why) => {
    const p = await project({ config: { address } });
    const r = await p.run(['up', '--timeout', '60s']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).not.toMatch(/held by|in use|kill /);
  });

  it('canton remove of the release a running topology uses warns; status after down of a memory topology lists no parties or users', async () => {
    // A private cache: removing the shared one would pull it from under the other tests.
    const cache = mkdtempSync(join(tmpdir(), 'cmpc-cache-'));
    dirs.push(cache);
    const p = await project({ env: { CANTON_MPC_HOME: cache } });
    const inst = await execa('node', [CLI, 'canton', 'install', '3.4.11', '--file', p.release.tarball, '--sha256', p.release.sha256], { env: { ...p.env, CANTON_MPC_HOME: cache } as NodeJS.ProcessEnv, reject: false });
    expect(inst.exitCode, String(inst.stderr)).toBe(0);
    expect((await p.run(['up', '--timeout', '60s'])).exitCode).toBe(0);
    const rm = await p.run(['canton', 'remove', '3.4.11']);
    expect(rm.exitCode).toBe(0);
    expect(rm.stderr).toMatch(/Canton 3\.4\.11 is in use by pid \d+/);
    expect((await p.run(['down'])).exitCode).toBe(0);
    expect(processesMentioning(p.dir)).toEqual([]);
    const st = JSON.parse((await p.run(['status', '--json'])).stdout);
    expect(st.parties).toEqual([]);
    expect(st.users).toEqual([]);
  });
});
