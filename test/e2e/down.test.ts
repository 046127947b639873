import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, processesMentioning, type CliProject } from '../support/cli.js';

const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

describe('down', () => {
  it('is idempotent on a project that never started', async () => {
    const p = await makeProject();
    projects.push(p);
    const r = await p.run(['down']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/canton\s+was not running/);
  });

  it('--wipe --yes stops everything and removes the state directory', async () => {
    const p = await makeProject();
    projects.push(p);
    expect((await p.run(['up', '--timeout', '60s'])).exitCode).toBe(0);
    const r = await p.run(['down', '--wipe', '--yes', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    // NDJSON progress events; the last line is the result.
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ event: 'result', ok: true, wiped: true, stopped: { canton: 'stopped' } });
    expect(existsSync(p.stateDir)).toBe(false);
    expect(processesMentioning(p.dir)).toEqual([]);
  });
});
