#!/usr/bin/env node
// Figures for `canton-mpc party replicate` against the Canton emulator (not a test). Workflow 1:
//   - console (JVM) starts of the replication, as reported by the CLI (`consoleRuns`), and the
//     `bin/canton` processes the emulator saw start (its argv log), which must agree;
//   - wall time of the replication, of a re-run with nothing to do, and of `party status`;
//   - the ratio to a single console run of a trivial script (what one JVM start costs here; on real
//     Canton that is ~3.5 s, so the count is what matters).
// Workflow 2 (a party with contracts, Postgres storage): console (JVM) starts (at most 4) and wall
// time, including the pg_dump backup of the target.
// Needs a build (`npm run build`) and pg_dump >= 17 (`bash .ci/pg-client.sh`). Run: node bench/party-replicate.mjs [runs]
import { join } from 'node:path';
import { consoleStarts, fmtMs as f, loadHelpers, median, medians, oneConsoleRunMs, resultOf, timedCli } from './helpers.mjs';

const RUNS = Number(process.argv[2] ?? 3);

const cli = timedCli;

const h = await loadHelpers();
const rows = { replicate: [], rerun: [], status: [], oneRun: [], runs: [], jvms: [], rerunRuns: [] };
for (let i = 0; i < RUNS; i++) {
  const p = await h.makeProject();
  try {
    await cli(p, ['up', '--timeout', '120s']);
    rows.oneRun.push(await oneConsoleRunMs(p));
    // The emulator appends a line per `bin/canton` start: the JVM starts as the machine saw them.
    const startLog = join(p.dir, 'starts.ndjson');
    const r = await cli(p, ['party', 'replicate', 'Depositor', '--to', 'participant1', '--json'], { CANTON_EMULATOR_START_LOG: startLog });
    rows.replicate.push(r.ms);
    rows.runs.push(resultOf(r.out).consoleRuns);
    rows.jvms.push(await consoleStarts(startLog));
    const again = await cli(p, ['party', 'replicate', 'Depositor', '--to', 'participant1', '--json']);
    rows.rerun.push(again.ms);
    rows.rerunRuns.push(resultOf(again.out).consoleRuns);
    rows.status.push((await cli(p, ['party', 'status'])).ms);
  } finally {
    await p.cleanup();
  }
}
const w2 = { ms: [], runs: [], jvms: [] };
for (let i = 0; i < RUNS; i++) {
  const p = await h.makeProject({ config: { storage: 'postgres' } });
  try {
    await cli(p, ['up', '--timeout', '120s']);
    const issuer = p.state().parties.Issuer.id;
    for (let n = 0; n < 3; n++) {
      await fetch(`http://127.0.0.1:${p.ports.participant1.json}/v2/commands/submit-and-wait`, { method: 'POST', body: JSON.stringify({ commands: [{ CreateCommand: { templateId: '#app:M:T', createArguments: { owner: issuer, n } } }], commandId: `b${n}`, actAs: [issuer], userId: 'issuer-user' }) });
    }
    const startLog = join(p.dir, 'starts-w2.ndjson');
    const r = await cli(p, ['party', 'replicate', 'Issuer', '--to', 'participant2', '--json'], { CANTON_EMULATOR_START_LOG: startLog });
    w2.ms.push(r.ms);
    w2.runs.push(resultOf(r.out).consoleRuns);
    w2.jvms.push(await consoleStarts(startLog));
  } finally {
    await p.cleanup();
  }
}
h.cleanupReleases();
const m = medians(rows);
console.log(`runs: ${RUNS} (medians)`);
console.log(`party replicate (Workflow 1):         ${f(m.replicate)}, ${m.runs} console (JVM) start(s) reported, ${m.jvms} bin/canton start(s) seen`);
console.log(`one console run (JVM start, noop):    ${f(m.oneRun)}`);
console.log(`ratio replicate / one console run:    ${(m.replicate / m.oneRun).toFixed(2)}`);
console.log(`re-run, nothing to do:                ${f(m.rerun)}, ${m.rerunRuns} console start(s)`);
console.log(`party status (all parties):           ${f(m.status)}, 1 console start`);
console.log(`party replicate (Workflow 2, offline): ${f(median(w2.ms))}, ${median(w2.runs)} console (JVM) start(s) reported, ${median(w2.jvms)} bin/canton start(s) seen (at most 4)`);
console.log(`ratio Workflow 2 / one console run:   ${(median(w2.ms) / m.oneRun).toFixed(2)}`);
