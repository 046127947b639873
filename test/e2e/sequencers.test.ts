// Issue 14 item 1: `up` with several sequencers. The emulator refuses to bootstrap BFT sequencers that
// cannot reach each other (as Canton hangs), so this passes only when canton-mpc renders every
// sequencer's initial-network with consistent peer endpoints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';

const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

describe('up with several sequencers', () => {
  it('two sequencers form one ordering network; the derived peer-to-peer ports are rendered', async () => {
    const p = await makeProject({ config: { sequencers: { sequencer1: {}, sequencer2: {} } } });
    projects.push(p);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    const conf = readFileSync(join(p.stateDir, 'config', 'canton.conf'), 'utf8');
    expect(conf).toContain(`port = ${p.portBase + 3}`);
    expect(conf).toContain(`port = ${p.portBase + 103}`);
    const log = readFileSync(join(p.stateDir, 'logs', 'canton.log'), 'utf8');
    expect(log).toContain('Bootstrap script successfully executed.');
  });
});

// Issue 14 item 2: mixed storage is a config error (exit 3) located at the line to change, with the fix.
describe('mixed storage', () => {
  it('a memory sequencer next to Postgres participants is refused before anything runs', async () => {
    const p = await makeProject({ config: { storage: 'postgres', sequencers: { sequencer1: { storage: 'memory' } } } });
    projects.push(p);
    const r = await p.run(['up', '--timeout', '30s']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/canton-mpc\.yaml:\d+:\d+ sequencers\.sequencer1\.storage: sequencer sequencer1 uses memory storage while .*participant1.* use postgres/);
    expect(r.stderr).toMatch(/use PostgreSQL for every node/);
    expect(p.state()).toBeUndefined();
  });
});

