import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { appendFileSync } from 'node:fs';
import { CLI, runningProject, type CliProject } from '../support/cli.js';

let p: CliProject;
beforeAll(async () => {
  p = await runningProject();
});
afterAll(async () => {
  await p?.cleanup();
});

describe('logs', () => {
  it('prints the last N lines of the Canton log', async () => {
    const r = await p.run(['logs', 'canton', '--lines', '3']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(3);
  });
  it('--json: one NDJSON event per line, naming the log and its file', async () => {
    const r = await p.run(['logs', 'canton', '--lines', '2', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { log: string; file: string; line: string });
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.log === 'canton' && e.file === p.state().canton.logFile && typeof e.line === 'string')).toBe(true);
  });
  it('an unknown log is a usage error; a signer log that does not exist says so', async () => {
    expect((await p.run(['logs', 'nope'])).exitCode).toBe(2);
    const r = await p.run(['logs', 'signer']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no signer log yet/);
  });
  it('-f follows appended lines', async () => {
    const child = execa('node', [CLI, 'logs', 'canton', '-f', '--lines', '0'], { cwd: p.dir, env: p.env, extendEnv: false, reject: false });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 500));
    appendFileSync(p.state().canton.logFile, 'canton-mpc-follow-marker\n');
    const deadline = Date.now() + 5_000;
    while (!out.includes('canton-mpc-follow-marker') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    await child;
    expect(out).toContain('canton-mpc-follow-marker');
  });
});
