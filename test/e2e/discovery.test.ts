import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runningProject, type CliProject } from '../support/cli.js';
import { daemonPids } from '../support/procs.js';

// Issue 13 item 4: the project is found by walking up from the current directory; without one,
// commands that act on a running topology say so instead of using the defaults on port 5013.

let p: CliProject;
let elsewhere: string;
beforeAll(async () => {
  p = await runningProject();
  elsewhere = mkdtempSync(join(tmpdir(), 'cmpc-noproj-'));
});
afterAll(async () => {
  await p?.cleanup();
  rmSync(elsewhere, { recursive: true, force: true });
});

function runIn(cwd: string, args: string[]) {
  return execa('node', [CLI, ...args], { cwd, env: p.env, extendEnv: false, reject: false, timeout: 60_000 });
}

describe('project-root discovery', () => {
  it('from a subdirectory: status names the config it found and sees the running topology', async () => {
    const sub = join(p.dir, 'src', 'deep');
    mkdirSync(sub, { recursive: true });
    const st = await runIn(sub, ['status', '--json']);
    expect(st.exitCode, st.stdout + st.stderr).toBe(0);
    const s = JSON.parse(String(st.stdout));
    expect(s.config).toBe(join(p.dir, 'canton-mpc.yaml'));
    expect(s.canton.running).toBe(true);
    expect((await runIn(sub, ['status'])).stdout).toContain(`Config  ${join(p.dir, 'canton-mpc.yaml')}`);
    const verbose = await runIn(sub, ['up', '--verbose']);
    expect(verbose.exitCode, String(verbose.stderr)).toBe(0);
    expect(verbose.stderr).toContain(`project: ${join(p.dir, 'canton-mpc.yaml')}`);
  });

  it('outside any project: status, logs, users list and down say no project was found (exit 2)', async () => {
    for (const args of [['status'], ['logs'], ['users', 'list'], ['down']]) {
      const r = await runIn(elsewhere, args);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`no canton-mpc project found in ${elsewhere} or any directory above it`);
    }
  });

  it('down from a subdirectory stops the topology', async () => {
    const sub = join(p.dir, 'src');
    const daemon = daemonPids(p.stateDir);
    expect(daemon).toHaveLength(1);
    const down = await runIn(sub, ['down']);
    expect(down.exitCode, String(down.stderr)).toBe(0);
    expect(down.stdout).toMatch(/canton\s+stopped/);
    expect(daemonPids(p.stateDir)).toEqual([]);
  });
});
