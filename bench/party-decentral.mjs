#!/usr/bin/env node
// Figures for `canton-mpc party decentralize` (Workflow 3) against the Canton emulator (not a test):
// three owners, memory storage. Console (JVM) starts as the CLI reports them (`consoleRuns`) and as the
// emulator saw `bin/canton` start (its start log), for the creation, a re-run with nothing to do and a
// change (--remove); wall times, and the ratio to one trivial console run (one JVM start; on real
// Canton ~3.5 s each, so the count is what matters). A naive runbook (one console per owner and step:
// keys, delegation, namespace, hosting, and each wait) would start 3 × 4 + 2 = 14 consoles. Last, with
// Postgres: adding an owner to a party that has a contract, which runs Workflow 2 inside the plan.
// Needs a build (`npm run build`). Run: node bench/party-decentral.mjs [runs]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, consoleStarts, fmtMs as f, loadHelpers, medians, oneConsoleRunMs, timedJson } from './helpers.mjs';

const RUNS = Number(process.argv[2] ?? 3);
const cli = timedJson;

const h = await loadHelpers();
const rows = { create: [], createRuns: [], createJvms: [], rerun: [], rerunRuns: [], change: [], changeRuns: [], oneRun: [] };
for (let i = 0; i < RUNS; i++) {
  const p = await h.makeProject({ config: { participants: { participant1: {}, participant2: {}, participant3: {} } } });
  try {
    execFileSync('node', [CLI, 'up', '--timeout', '120s'], { cwd: p.dir, env: p.env, stdio: 'ignore' });
    rows.oneRun.push(await oneConsoleRunMs(p));
    const log = join(p.dir, 'starts.ndjson');
    const c = await cli(p, ['party', 'decentralize', 'Vault', '--owners', 'participant1,participant2,participant3', '--threshold', '2', '--json'], { CANTON_EMULATOR_START_LOG: log });
    rows.create.push(c.ms); rows.createRuns.push(c.out.consoleRuns); rows.createJvms.push(await consoleStarts(log));
    const r = await cli(p, ['party', 'decentralize', 'Vault', '--json']);
    rows.rerun.push(r.ms); rows.rerunRuns.push(r.out.consoleRuns);
    const x = await cli(p, ['party', 'decentralize', 'Vault', '--remove', 'participant3', '--json']);
    rows.change.push(x.ms); rows.changeRuns.push(x.out.consoleRuns);
  } finally {
    await p.cleanup();
  }
}
// An owner added to a party with a contract: Workflow 2 inside the plan (Postgres storage, one backup).
const add = { ms: [], runs: [], jvms: [] };
for (let i = 0; i < RUNS; i++) {
  const p = await h.makeProject({ config: { storage: 'postgres', participants: { participant1: {}, participant2: {}, participant3: {} }, parties: { Issuer: 'participant1', Depositor: 'participant2' } } });
  try {
    execFileSync('node', [CLI, 'up', '--timeout', '120s'], { cwd: p.dir, env: p.env, stdio: 'ignore' });
    const t = await cli(p, ['party', 'decentralize', 'Treasury', '--owners', 'participant1,participant2', '--threshold', '2', '--permission', 'submission', '--confirmation-threshold', '1', '--json']);
    const issuer = p.state().parties.Issuer.id;
    const res = await fetch(`http://127.0.0.1:${p.ports.participant1.json}/v2/commands/submit-and-wait`, { method: 'POST', body: JSON.stringify({ commands: [{ CreateCommand: { templateId: '#canton-mpc-poc:Vault:RequestDeposit', createArguments: { issuer, treasury: t.out.partyId } } }], commandId: `bench-${i}`, actAs: [issuer, t.out.partyId], userId: 'issuer-user' }) });
    if (res.status !== 200) throw new Error(`the contract was not created: ${res.status} ${await res.text()}`);
    const log = join(p.dir, 'starts-add.ndjson');
    const x = await cli(p, ['party', 'decentralize', 'Treasury', '--add', 'participant3', '--json'], { CANTON_EMULATOR_START_LOG: log });
    if (!x.out.onboarded) throw new Error('participant3 was not onboarded through Workflow 2');
    add.ms.push(x.ms); add.runs.push(x.out.consoleRuns); add.jvms.push(await consoleStarts(log));
  } finally {
    await p.cleanup();
  }
}
h.cleanupReleases();
const m = medians(rows);
console.log(`runs: ${RUNS} (medians)`);
console.log(`party decentralize (create, 3 owners): ${f(m.create)}, ${m.createRuns} console (JVM) start(s) reported, ${m.createJvms} bin/canton start(s) seen (a console per owner and step: 14)`);
console.log(`one console run (JVM start, noop):     ${f(m.oneRun)}`);
console.log(`ratio create / one console run:        ${(m.create / m.oneRun).toFixed(2)}`);
console.log(`re-run, nothing to do:                 ${f(m.rerun)}, ${m.rerunRuns} console start(s)`);
console.log(`--remove participant3:                 ${f(m.change)}, ${m.changeRuns} console start(s)`);
const a = medians(add);
console.log(`--add participant3 to a party with a contract (Workflow 2 inside, pg_dump backup): ${f(a.ms)}, ${a.runs} console start(s) reported, ${a.jvms} bin/canton start(s) seen`);
console.log(`ratio --add with Workflow 2 / one console run: ${(a.ms / m.oneRun).toFixed(2)}`);
