import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT_KEY, signerProject, TOKEN, type CliProject } from '../support/cli.js';
import { findProjectProcesses } from '../../src/state/discover.js';
import { environOf } from '../support/procs.js';

// Issue 13 item 6: every child gets an explicit environment; no secret reaches any process but the
// signer; every log is 0600.

const CALLER_SECRET = 'caller-cloud-credential-9a8b7c6d5e';
let p: CliProject;
afterAll(async () => {
  await p?.cleanup();
});

describe('child environments', () => {
  it('/proc/<pid>/environ of every child: signer secrets only in the signer, the Postgres password only in Canton', async () => {
    p = await signerProject();
    const up = await p.run(['up', '--storage', 'postgres', '--timeout', '90s'], { env: { AWS_SECRET_ACCESS_KEY: CALLER_SECRET } });
    expect(up.exitCode, up.stderr).toBe(0);
    const pgPassword = readFileSync(join(p.stateDir, 'secrets', 'postgres-password'), 'utf8').trim();
    const procs = findProjectProcesses(p.stateDir);
    const roles = new Set(procs.map((x) => x.role));
    expect([...roles].sort()).toEqual(['canton', 'postgres', 'signer', 'supervisor']);
    // Postgres backends (each its own session, PostgreSQL calls setsid) carry no marker: take every
    // descendant of every process found.
    const members = new Map<number, string>(procs.map((x) => [x.pid, x.role]));
    const parentOf = new Map<number, number>();
    for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        /* gone */
      }
    }
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, ppid] of parentOf) {
        if (!members.has(pid) && members.has(ppid)) {
          members.set(pid, members.get(ppid) === 'supervisor' ? 'signer' : `${members.get(ppid)}-child`);
          grew = true;
        }
      }
    }
    expect([...members.values()].filter((r) => r === 'postgres-child').length).toBeGreaterThan(2);
    for (const [pid, role] of members) {
      const env = environOf(pid).join('\n');
      // PostgreSQL backends overwrite their environ area with their process title; the rest must be readable.
      if (role !== 'postgres-child') expect(env.length, `environ of ${role} pid ${pid} readable`).toBeGreaterThan(0);
      expect(env, `${role} pid ${pid}`).not.toContain(CALLER_SECRET);
      if (role === 'signer') {
        expect(env).toContain(ROOT_KEY);
        expect(env).toContain(TOKEN);
        expect(env).not.toContain(pgPassword);
      } else {
        expect(env, `${role} pid ${pid}`).not.toContain(ROOT_KEY);
        expect(env, `${role} pid ${pid}`).not.toContain(TOKEN);
        if (role !== 'canton') expect(env, `${role} pid ${pid}`).not.toContain(pgPassword);
      }
    }
    for (const f of readdirSync(join(p.stateDir, 'logs'))) expect((statSync(join(p.stateDir, 'logs', f)).mode & 0o777).toString(8), f).toBe('600');
    expect(statSync(join(p.stateDir, 'logs')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(p.stateDir, 'logs')).sort()).toEqual(expect.arrayContaining(['canton.log', 'canton.out', 'postgres.log', 'signer.log']));
  }, 120_000);
});
