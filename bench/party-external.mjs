#!/usr/bin/env node
// Figures for external parties against the Canton emulator (not a test):
//   - `party allocate-external`: wall time and console (JVM) starts (none: it is two Ledger API calls
//     and an in-process Ed25519 signature), and a re-run with nothing to do;
//   - Workflow 1 for the external party (the target proposes, canton-mpc signs the hash mid-script, the
//     source loads it): wall time and console starts, against Workflow 1 for a local party in the same
//     project; the signature does not cost a second JVM start.
// Needs a build (`npm run build`). Run: node bench/party-external.mjs [runs]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, consoleStarts, fmtMs as f, loadHelpers, medians, timedJson } from './helpers.mjs';

const RUNS = Number(process.argv[2] ?? 3);
const cli = timedJson;

const h = await loadHelpers();
const rows = { alloc: [], allocJvm: [], allocAgain: [], ext: [], extRuns: [], extJvm: [], local: [], localRuns: [] };
for (let i = 0; i < RUNS; i++) {
  const p = await h.makeProject();
  try {
    execFileSync('node', [CLI, 'up', '--timeout', '120s'], { cwd: p.dir, env: p.env, stdio: 'ignore' });
    const a = await cli(p, ['party', 'allocate-external', 'Vault', '--participant', 'participant2', '--json'], { CANTON_EMULATOR_START_LOG: join(p.dir, 'alloc.ndjson') });
    rows.alloc.push(a.ms);
    rows.allocJvm.push(await consoleStarts(join(p.dir, 'alloc.ndjson')));
    rows.allocAgain.push((await cli(p, ['party', 'allocate-external', 'Vault', '--participant', 'participant2', '--json'])).ms);
    const e = await cli(p, ['party', 'replicate', 'Vault', '--to', 'participant1', '--json'], { CANTON_EMULATOR_START_LOG: join(p.dir, 'ext.ndjson') });
    rows.ext.push(e.ms);
    rows.extRuns.push(e.out.consoleRuns);
    rows.extJvm.push(await consoleStarts(join(p.dir, 'ext.ndjson')));
    const l = await cli(p, ['party', 'replicate', 'Depositor', '--to', 'participant1', '--json']);
    rows.local.push(l.ms);
    rows.localRuns.push(l.out.consoleRuns);
  } finally {
    await p.cleanup();
  }
}
h.cleanupReleases();
const m = medians(rows);
console.log(`runs: ${RUNS} (medians)`);
console.log(`party allocate-external:               ${f(m.alloc)}, ${m.allocJvm} bin/canton start(s) seen`);
console.log(`  re-run, nothing to do:               ${f(m.allocAgain)}`);
console.log(`party replicate, external (Workflow 1): ${f(m.ext)}, ${m.extRuns} console (JVM) start(s) reported, ${m.extJvm} bin/canton start(s) seen`);
console.log(`party replicate, local (Workflow 1):    ${f(m.local)}, ${m.localRuns} console (JVM) start(s)`);
console.log(`ratio external / local replication:    ${(m.ext / m.local).toFixed(2)}`);
