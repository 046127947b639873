#!/usr/bin/env node
// Figures for `canton-mpc up` against the Canton emulator (not a test; prints numbers):
//   - `up` wall time vs. the emulator's own time from start to ports-file (the ratio is what
//     canton-mpc adds: preflight, install check, render, readiness polling, users);
//   - `up` re-run on a healthy topology (the fast path), `status`, and `--help` cold start.
// Needs a build (`npm run build`) and the emulator sources (test/emulator). Run: node bench/up.mjs [runs]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, fmtMs as f, loadHelpers } from './helpers.mjs';

const RUNS = Number(process.argv[2] ?? 3);

function time(fn) {
  const t0 = process.hrtime.bigint();
  const r = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

function cli(p, args, extraEnv = {}) {
  return time(() => {
    try {
      execFileSync('node', [CLI, ...args], { cwd: p.dir, env: { ...p.env, ...extraEnv }, stdio: 'pipe' });
      return 0;
    } catch (e) {
      return e.status ?? 1;
    }
  });
}

/** The emulator alone: spawn bin/canton daemon on the rendered config, time until the ports file appears. */
async function emulatorAlone(p, cantonHome) {
  const cfg = join(p.stateDir, 'config');
  const portsFile = join(p.stateDir, 'ports.json');
  rmSync(portsFile, { force: true });
  const t0 = process.hrtime.bigint();
  const child = spawn(join(cantonHome, 'bin', 'canton'), ['daemon', '-c', join(cfg, 'canton.conf'), '--bootstrap', join(cfg, 'bootstrap.canton'), '--no-tty', '--log-file-name', join(p.dir, 'bench-canton.log')], {
    cwd: p.stateDir, env: { ...p.env, JAVA_HOME: p.release.javaHome }, stdio: 'ignore', detached: true,
  });
  while (!existsSync(portsFile) || statSync(portsFile).size === 0) await new Promise((r) => setTimeout(r, 5));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.kill(-child.pid, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const h = await loadHelpers();
const rows = { up: [], emulator: [], rerun: [], status: [], help: [] };
for (let i = 0; i < RUNS; i++) {
  const p = await h.makeProject();
  try {
    const up = cli(p, ['up', '--timeout', '120s']);
    if (up.r !== 0) throw new Error(`up failed (exit ${up.r})`);
    rows.up.push(up.ms);
    rows.rerun.push(cli(p, ['up']).ms);
    rows.status.push(cli(p, ['status']).ms);
    const home = p.state().canton.home;
    cli(p, ['down']);
    rows.emulator.push(await emulatorAlone(p, home));
  } finally {
    await p.cleanup();
  }
  rows.help.push(time(() => execFileSync('node', [CLI, '--help'], { stdio: 'pipe' })).ms);
}
h.cleanupReleases();
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
console.log(`runs: ${RUNS} (medians)`);
console.log(`up (cold, memory storage):      ${f(m.up)}`);
console.log(`emulator start → ports file:    ${f(m.emulator)}`);
console.log(`ratio up / emulator:            ${(m.up / m.emulator).toFixed(2)}`);
console.log(`up re-run (healthy, fast path): ${f(m.rerun)}`);
console.log(`status:                         ${f(m.status)}`);
console.log(`--help cold start:              ${f(m.help)}`);
