#!/usr/bin/env node
// Figures for `canton-mpc up` against the Canton emulator (not a test; prints numbers):
//   - `up` wall time vs. the emulator's own time from start to ports-file (the ratio is what
//     canton-mpc adds: preflight, install check, render, readiness polling, users);
//   - `up` re-run on a healthy topology (the fast path), `status`, and `--help` cold start.
// Needs a build (`npm run build`) and the emulator sources (test/emulator). Run: node bench/up.mjs [runs]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'canton-mpc.js');
const RUNS = Number(process.argv[2] ?? 3);

async function loadHelpers() {
  // The test helpers are TypeScript; bundle them once so this script runs on plain Node.
  // Inside node_modules so the bundle's external imports resolve.
  const out = join(ROOT, 'node_modules', '.cache', 'canton-mpc-bench', 'helpers.mjs');
  // The helpers find the CLI and the emulator's sources relative to their own files: keep those
  // paths pointing into the repository, not at the bundle.
  await build({
    entryPoints: [join(ROOT, 'test/support/cli.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, packages: 'external', logLevel: 'silent',
    define: { 'import.meta.dirname': JSON.stringify(join(ROOT, 'test/support')), 'import.meta.url': JSON.stringify(pathToFileURL(join(ROOT, 'test/emulator/pack.ts')).href) },
  });
  return import(out);
}

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
const f = (x) => `${x.toFixed(0)} ms`;
console.log(`runs: ${RUNS} (medians)`);
console.log(`up (cold, memory storage):      ${f(m.up)}`);
console.log(`emulator start → ports file:    ${f(m.emulator)}`);
console.log(`ratio up / emulator:            ${(m.up / m.emulator).toFixed(2)}`);
console.log(`up re-run (healthy, fast path): ${f(m.rerun)}`);
console.log(`status:                         ${f(m.status)}`);
console.log(`--help cold start:              ${f(m.help)}`);
