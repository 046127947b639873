#!/usr/bin/env node
// Figures for `users create --from-file` with many users against one participant of the Canton
// emulator (not a test; prints numbers), next to the seed's way of doing it: one `curl -X POST
// /v2/users` per user, sequentially, in the same run on the same participant. Both create the same
// number of fresh users with the same rights (CanActAs + CanReadAs of one party); canton-mpc's figure
// includes its whole CLI run (start, config, party lookup, state.json).
// Needs a build (`npm run build`) and curl. Run: node bench/users.mjs [users] [runs]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { CLI, loadHelpers } from './helpers.mjs';

const USERS = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 3);


const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Both ways are CPU-bound on loopback: the machine's load decides the figures as much as the code.
const loadBefore = loadavg()[0];
const h = await loadHelpers();
const p = await h.makeProject();
const rows = { cli: [], curl: [] };
try {
  execFileSync('node', [CLI, 'up', '--timeout', '120s'], { cwd: p.dir, env: p.env, stdio: 'pipe' });
  const issuer = p.state().parties.Issuer.id;
  const json = `http://127.0.0.1:${p.ports.participant1.json}`;
  for (let run = 0; run < RUNS; run++) {
    const file = join(p.dir, `users-${run}.yaml`);
    writeFileSync(file, `users:\n${Array.from({ length: USERS }, (_, i) => `  - { participant: participant1, user: cli-${run}-${i}, party: Issuer }`).join('\n')}\n`);
    let t0 = process.hrtime.bigint();
    execFileSync('node', [CLI, 'users', 'create', '--from-file', file], { cwd: p.dir, env: p.env, stdio: 'pipe' });
    rows.cli.push(ms(t0));

    // The seed's Step 5, once per user.
    t0 = process.hrtime.bigint();
    for (let i = 0; i < USERS; i++) {
      const body = JSON.stringify({
        user: { id: `curl-${run}-${i}`, primaryParty: issuer, isDeactivated: false, identityProviderId: '' },
        rights: [{ kind: { CanActAs: { value: { party: issuer } } } }, { kind: { CanReadAs: { value: { party: issuer } } } }],
      });
      execFileSync('curl', ['-s', '-f', '-X', 'POST', `${json}/v2/users`, '-H', 'Content-Type: application/json', '-d', body], { stdio: 'pipe' });
    }
    rows.curl.push(ms(t0));
  }
  // Both ways really created their users (curl -f fails on any HTTP error status).
  for (const id of [`cli-${RUNS - 1}-${USERS - 1}`, `curl-${RUNS - 1}-${USERS - 1}`, 'cli-0-0']) {
    const rights = JSON.parse(execFileSync('curl', ['-s', '-f', `${json}/v2/users/${id}/rights`]).toString()).rights;
    if (rights.length !== 2) throw new Error(`user ${id} has ${rights.length} rights, expected 2`);
  }
} finally {
  await p.cleanup();
  h.cleanupReleases();
}
const cli = median(rows.cli);
const curl = median(rows.curl);
console.log(`users per run: ${USERS}, runs: ${RUNS} (medians), one emulated participant; ${availableParallelism()} cores, load average ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`);
console.log(`canton-mpc users create --from-file (whole CLI run): ${cli.toFixed(0)} ms   [${rows.cli.map((x) => x.toFixed(0)).join(', ')}]`);
console.log(`sequential curl loop (seed step 5):                   ${curl.toFixed(0)} ms   [${rows.curl.map((x) => x.toFixed(0)).join(', ')}]`);
console.log(`ratio curl / canton-mpc:                              ${(curl / cli).toFixed(2)}x`);
