import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allCmdlines, filesUnder, ROOT_KEY, signerProject, TOKEN, type CliProject } from '../support/cli.js';

let p: CliProject | undefined;
afterAll(async () => {
  await p?.cleanup();
});

describe('secrets never leak', () => {
  it('Postgres password, signer root key and token: not in stdout/stderr, logs, state, or any argv', async () => {
    p = await signerProject();
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await p!.run(args);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const up = await run(['up', '--storage', 'postgres', '--timeout', '90s', '--verbose']);
    expect(up.exitCode, up.stderr).toBe(0);
    const password = readFileSync(join(p.stateDir, 'secrets', 'postgres-password'), 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(24);
    await run(['status', '--json']);
    await run(['up', '--storage', 'postgres', '--json']);
    await run(['logs', 'canton', '--lines', '1000']);
    await run(['logs', 'signer']);

    const secrets = [password, ROOT_KEY, TOKEN];
    const cmdlines = [...allCmdlines().values()].join('\n');
    // The daemon, Postgres and the signer are running now: their argv must not carry any secret.
    expect(cmdlines).toContain(p.stateDir);
    const files = filesUnder(p.stateDir).filter((f) => !f.startsWith(join(p!.stateDir, 'secrets')) && !f.startsWith(join(p!.stateDir, 'postgres')));
    expect(files.some((f) => f.endsWith('canton.log'))).toBe(true);
    expect(files.some((f) => f.endsWith('signer.log'))).toBe(true);
    const fileText = files.map((f) => readFileSync(f, 'latin1')).join('\n');
    await run(['down']);
    for (const s of secrets) {
      expect(outputs.join('\n').includes(s), 'outputs').toBe(false);
      expect(cmdlines.includes(s), 'argv').toBe(false);
      expect(fileText.includes(s), 'files').toBe(false);
    }
  }, 180_000);
});
