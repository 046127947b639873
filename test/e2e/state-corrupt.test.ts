import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, processesMentioning, type CliProject } from '../support/cli.js';
import { daemonPids, signerPids } from '../support/procs.js';

// Issue 13 item 5: a corrupted state.json (or journal) never locks anyone out: it is moved aside with
// a warning, and `status`/`down` find the project's processes by their markers.

let p: CliProject;
beforeAll(async () => {
  p = await makeProject();
  writeFileSync(join(p.dir, 'signer.mjs'), `setInterval(() => {}, 1 << 30);`);
  p.writeConfig({ signer: { command: process.execPath, args: ['signer.mjs'], settle: '200ms' } });
});
afterAll(async () => {
  await p?.cleanup();
});

describe('corrupted state.json', () => {
  it.each([
    ['garbage', '\u0000\u0001garbage}{'],
    ['truncated', '{"version":1,"updatedAt":"2026-01-01T00:00:00Z","configHash":"ab'],
    ['empty', ''],
    ['wrong version', '{"version":99,"updatedAt":"x","configHash":"","storage":"memory","nodes":[],"parties":{},"users":[]}'],
  ])('%s: status still reports, down still stops everything', async (_name, text) => {
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(daemonPids(p.stateDir)).toHaveLength(1);
    writeFileSync(join(p.stateDir, 'state.json'), text);

    const st = await p.run(['status', '--json']);
    expect(st.exitCode).toBe(1);
    expect(st.stderr).toMatch(/state\.json .*moved to .*unreadable-/);
    expect(JSON.parse(st.stdout).unrecorded.map((x: { role: string }) => x.role).sort()).toEqual(['canton', 'supervisor']);
    expect(readdirSync(p.stateDir).some((f) => f.startsWith('state.json.unreadable-'))).toBe(true);

    // Corrupt it again (status moved it aside): down must cope on its own.
    writeFileSync(join(p.stateDir, 'state.json'), text);
    const down = await p.run(['down']);
    expect(down.exitCode, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/canton\s+stopped/);
    expect(down.stdout).toMatch(/signer\s+stopped/);
    expect(processesMentioning(p.dir)).toEqual([]);
    expect(signerPids(p.dir)).toEqual([]);
  }, 60_000);

  it('up adopts a daemon state.json lost track of instead of starting a second one; a torn journal is set aside', async () => {
    expect((await p.run(['up', '--timeout', '60s'])).exitCode).toBe(0);
    const daemon = daemonPids(p.stateDir);
    writeFileSync(join(p.stateDir, 'state.json'), '{"torn');
    writeFileSync(join(p.stateDir, 'journal.ndjson'), 'not a journal record\n');
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/found Canton daemon pid \d+ of this project missing from state.json/);
    expect(up.stderr).toMatch(/journal.ndjson:1 is not a journal record; it was moved to/);
    expect(daemonPids(p.stateDir)).toEqual(daemon);
    expect(signerPids(p.dir)).toHaveLength(1);
    const st = JSON.parse((await p.run(['status', '--json'])).stdout);
    expect(st.healthy, JSON.stringify(st.problems)).toBe(true);
    expect((await p.run(['down'])).exitCode).toBe(0);
    expect(processesMentioning(p.dir)).toEqual([]);
    expect(existsSync(join(p.stateDir, 'state.json'))).toBe(true);
  }, 60_000);
});
