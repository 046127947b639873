#!/usr/bin/env node
// Times `canton-mpc canton install --url … --sha256 …` (download + verify + extract) of a ≥ 200 MB
// release tarball from a local HTTP server, against `curl | tee | sha256sum` + `tar xzf` of the same
// file in the same run, and prints the figures and the ratio. Run after `npm run build`:
//   node bench/install.mjs [--mb 220] [--runs 3]
// The tarball is the emulator's distribution (test/emulator/pack.ts packDistribution with padBytes);
// the TypeScript helpers are bundled on the fly with esbuild (already a dependency).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MB = arg('mb', 220);
const RUNS = arg('runs', 3);

async function loadHelpers(work) {
  const entry = join(work, 'entry.ts');
  writeFileSync(
    entry,
    `export { packDistribution } from ${JSON.stringify(join(ROOT, 'test/emulator/pack.ts'))};\n` +
      `export { startDownloadServer } from ${JSON.stringify(join(ROOT, 'test/support/download-server.ts'))};\n`,
  );
  // Inside node_modules/.cache so the bundle's bare imports (tar, esbuild) resolve to ours.
  const out = join(ROOT, 'node_modules', '.cache', 'canton-mpc-bench', `helpers-${process.pid}.mjs`);
  // pack.ts finds its launcher and sources through import.meta.url: keep it pointing at the original.
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: out,
    packages: 'external',
    logLevel: 'error',
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(ROOT, 'test/emulator/pack.ts')).href) },
  });
  try {
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(out, { force: true });
  }
}

async function time(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Asynchronous, so the download server in this process keeps serving. */
function run(file, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${file} exited ${code}: ${stderr}`))));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const work = mkdtempSync(join(tmpdir(), 'cmpc-bench-install-'));
try {
  const { packDistribution, startDownloadServer } = await loadHelpers(work);
  process.stderr.write(`packing a ~${MB} MB distribution…\n`);
  const rel = await packDistribution({ outDir: join(work, 'pkg'), padBytes: MB * 1e6 });
  if (rel.size < 200e6) throw new Error(`tarball is only ${rel.size} bytes; pass --mb 220 or more`);
  const server = await startDownloadServer({ '/rel.tar.gz': rel.tarball });
  const url = server.url('/rel.tar.gz');

  const ours = [];
  const base = [];
  for (let i = 0; i < RUNS; i++) {
    const home = join(work, `home-${i}`);
    ours.push(
      await time(() =>
        run('node', [join(ROOT, 'bin/canton-mpc.js'), 'canton', 'install', '3.4.11', '--url', url, '--sha256', rel.sha256], { ...process.env, CANTON_MPC_HOME: home, CI: '1' }),
      ),
    );
    rmSync(home, { recursive: true, force: true });

    const dir = join(work, `base-${i}`);
    base.push(
      await time(async () => {
        // The hand-run runbook: download while hashing, compare, then unpack.
        const out = await run('sh', ['-c', `set -e; mkdir -p "$1"; curl -fsS "$2" | tee "$1/t.tgz" | sha256sum; tar xzf "$1/t.tgz" -C "$1"`, 'sh', dir, url]);
        if (!out.startsWith(rel.sha256)) throw new Error(`baseline hash mismatch: ${out}`);
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  }
  await server.close();

  const mbytes = rel.size / 1e6;
  const o = median(ours);
  const b = median(base);
  const fmt = (s) => `${s.toFixed(2)} s (${(mbytes / s).toFixed(0)} MB/s)`;
  console.log(`tarball:                         ${mbytes.toFixed(1)} MB, ${RUNS} runs, median`);
  console.log(`canton-mpc canton install:       ${fmt(o)}   runs: ${ours.map((x) => x.toFixed(2)).join(', ')}`);
  console.log(`curl | tee | sha256sum + tar xzf: ${fmt(b)}   runs: ${base.map((x) => x.toFixed(2)).join(', ')}`);
  console.log(`ratio (canton-mpc / baseline):   ${(o / b).toFixed(2)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
