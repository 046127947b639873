#!/usr/bin/env node
// Figures for `users list` with many users on one participant of the Canton emulator (not a test;
// prints numbers): the whole CLI run, at the default bound on rights requests in flight per participant
// (RIGHTS_IN_FLIGHT_PER_PARTICIPANT in src/commands/users-list.ts) next to the way before it was
// bounded (every user's rights request at once: CANTON_MPC_TEST_RIGHTS_IN_FLIGHT=unbounded) and a few
// other bounds. The variants run interleaved, so the machine's load falls on all of them alike, and every
// run must print the same users in the same order.
// Needs a build (`npm run build`). Run: node bench/users-list.mjs [users] [runs]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { CLI, fmtMs, loadHelpers, medians, timedCli } from './helpers.mjs';

const USERS = Number(process.argv[2] ?? 1000);
const RUNS = Number(process.argv[3] ?? 5);
// '' is the default bound; the others set CANTON_MPC_TEST_RIGHTS_IN_FLIGHT.
const VARIANTS = ['', 'unbounded', '4', '8', '32'];
const label = (v) => (v === '' ? 'default bound' : v === 'unbounded' ? 'unbounded (before)' : `${v} in flight`);

const loadBefore = loadavg()[0];
const h = await loadHelpers();
const p = await h.makeProject();
const rows = Object.fromEntries(VARIANTS.map((v) => [v, []]));
let listed;
try {
  execFileSync('node', [CLI, 'up', '--timeout', '120s'], { cwd: p.dir, env: p.env, stdio: 'pipe' });
  const file = join(p.dir, 'users-many.yaml');
  writeFileSync(file, `users:\n${Array.from({ length: USERS }, (_, i) => `  - { participant: participant1, user: u-${String(i).padStart(5, '0')}, party: Issuer }`).join('\n')}\n`);
  execFileSync('node', [CLI, 'users', 'create', '--from-file', file], { cwd: p.dir, env: p.env, stdio: 'pipe' });
  for (let run = 0; run < RUNS; run++) {
    for (const v of VARIANTS) {
      const r = await timedCli(p, ['users', 'list', '--participant', 'participant1', '--json'], v ? { CANTON_MPC_TEST_RIGHTS_IN_FLIGHT: v } : {});
      try {
        r.out = JSON.parse(r.out);
      } catch (e) {
        throw new Error(`users list (${label(v)}, run ${run}) printed ${r.out.length} characters that are not one JSON document: ${e.message}`);
      }
      const ids = JSON.stringify(r.out.users.map((u) => [u.id, u.rights]));
      listed ??= { ids, n: r.out.users.length };
      if (ids !== listed.ids) throw new Error(`users list (${label(v)}) printed other users, other rights or another order than the first run`);
      rows[v].push(r.ms);
    }
  }
  if (listed.n < USERS) throw new Error(`users list printed ${listed.n} users, expected at least ${USERS}`);
} finally {
  await p.cleanup();
  h.cleanupReleases();
}
const m = medians(rows);
console.log(`users on participant1: ${listed.n}, runs: ${RUNS} (medians, interleaved); ${availableParallelism()} cores, load average ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`);
for (const v of VARIANTS) console.log(`users list --json, ${label(v).padEnd(20)} ${fmtMs(m[v]).padStart(8)}   [${rows[v].map((x) => x.toFixed(0)).join(', ')}]`);
console.log(`ratio unbounded / default bound:            ${(m.unbounded / m['']).toFixed(2)}x`);
