#!/usr/bin/env node
// Figures for the cost of `security` (not a test; prints numbers): cold `up` with `security: none`
// against `security: jwt+tls` (key, CA and certificates generated, auth services and TLS rendered,
// readiness and user calls over HTTPS with tokens), the same number of runs interleaved in one
// process so both see the same machine; then `status` and the healthy re-run for each.
// Needs a build (`npm run build`). Run: node bench/security.mjs [runs]  (goal: ratio under 1.2)
import { execFileSync } from 'node:child_process';
import { CLI, loadHelpers } from './helpers.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const RUNS = Number(process.argv[2] ?? 3);

function cli(p, args) {
  const t0 = process.hrtime.bigint();
  let code = 0;
  try {
    execFileSync('node', [CLI, ...args], { cwd: p.dir, env: p.env, stdio: 'pipe' });
  } catch (e) {
    code = e.status ?? 1;
  }
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, code };
}

const h = await loadHelpers();
const modes = ['none', 'jwt+tls'];
const rows = Object.fromEntries(modes.map((m) => [m, { up: [], rerun: [], status: [] }]));
// One project per mode (test port blocks are few); each run starts cold: `down --wipe` first.
const projects = {};
for (const mode of modes) projects[mode] = await h.makeProject({ config: { security: mode } });
try {
  for (let i = 0; i < RUNS; i++) {
    for (const mode of i % 2 === 0 ? modes : [...modes].reverse()) {
      const p = projects[mode];
      cli(p, ['down', '--wipe', '--yes']);
      const up = cli(p, ['up', '--timeout', '120s']);
      if (up.code !== 0) throw new Error(`up (${mode}) failed with exit ${up.code}`);
      rows[mode].up.push(up.ms);
      rows[mode].rerun.push(cli(p, ['up']).ms);
      rows[mode].status.push(cli(p, ['status']).ms);
    }
  }
} finally {
  for (const p of Object.values(projects)) await p.cleanup();
}
h.cleanupReleases();
const m = Object.fromEntries(modes.map((mode) => [mode, Object.fromEntries(Object.entries(rows[mode]).map(([k, v]) => [k, median(v)]))]));
const f = (x) => `${x.toFixed(0).padStart(6)} ms`;
console.log(`runs: ${RUNS} per mode, interleaved (medians)`);
console.log(`                         none      jwt+tls   ratio`);
for (const k of ['up', 'rerun', 'status']) console.log(`${k.padEnd(20)} ${f(m.none[k])} ${f(m['jwt+tls'][k])}   ${(m['jwt+tls'][k] / m.none[k]).toFixed(2)}`);
console.log(`ratio up jwt+tls / none: ${(m['jwt+tls'].up / m.none.up).toFixed(2)} (goal < 1.2)`);
