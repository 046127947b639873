// Issue 14 item 5: /readyz reflects only the Ledger API's health (200 while the bootstrap still runs,
// as in Canton), so nothing may read it as "bootstrap done": the ports file is that signal.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningProject, type CliProject } from '../support/cli.js';

let p: CliProject;
beforeAll(async () => {
  p = await runningProject();
});
afterAll(async () => {
  await p?.cleanup();
});

describe('status and the bootstrap signal', () => {
  it('every /readyz 200 but no ports file: status is not healthy and says the bootstrap has not finished', async () => {
    expect((await p.run(['status'])).exitCode).toBe(0);
    rmSync(join(p.stateDir, 'ports.json'));
    expect((await fetch(`http://127.0.0.1:${p.ports.participant1.json}/readyz`)).status).toBe(200);
    const r = await p.run(['status', '--json']);
    expect(r.exitCode).toBe(1);
    const s = JSON.parse(r.stdout) as { healthy: boolean; problems: string[]; nodes: Array<{ up: boolean }> };
    expect(s.nodes.every((n) => n.up)).toBe(true);
    expect(s.problems.join('\n')).toMatch(/the bootstrap has not finished \(no ports file yet\)/);
  });
});
