#!/usr/bin/env node
// Latency from a contract's creation to the reference signer's exercise on it, against the Canton
// emulator, with the signer supervised by `canton-mpc up` (not a test; prints numbers). Measured for
// the WebSocket stream and for HTTP polling (the fallback), 20 contracts each, median and p90.
// Needs a build (`npm run build`). Run: node bench/signer-latency.mjs [contracts]
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'canton-mpc.js');
const N = Number(process.argv[2] ?? 20);
const POLL_MS = 2;

async function loadHelpers() {
  const dir = join(ROOT, 'node_modules', '.cache', 'canton-mpc-bench');
  await build({
    entryPoints: { cli: join(ROOT, 'test/support/cli.ts'), signer: join(ROOT, 'test/support/reference-signer.ts') }, outdir: dir, bundle: true, platform: 'node', format: 'esm',
    packages: 'external', logLevel: 'silent', outExtension: { '.js': '.mjs' },
    define: { 'import.meta.dirname': JSON.stringify(join(ROOT, 'test/support')), 'import.meta.url': JSON.stringify(pathToFileURL(join(ROOT, 'test/emulator/pack.ts')).href) },
  });
  return { ...(await import(join(dir, 'cli.mjs'))), ...(await import(join(dir, 'signer.mjs'))) };
}

const h = await loadHelpers();
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

async function measure(stream) {
  const p = await h.makeProject();
  try {
    await h.useReferenceSigner(p, { env: { SIGNER_STREAM: stream, SIGNER_POLL_INTERVAL_MS: '250' } });
    execFileSync('node', [CLI, 'up', '--timeout', '120s'], { cwd: p.dir, env: p.env, stdio: 'pipe' });
    const issuer = p.state().parties.Issuer.id;
    const ledger = h.ledgerOf(`http://127.0.0.1:${p.ports.participant1.json}`);
    const lat = [];
    for (let i = 0; i < N; i++) {
      const cid = await ledger.createPendingDeposit(issuer, `bench-${stream}-${i}`);
      const t0 = performance.now();
      for (;;) {
        if ((await ledger.exercises(issuer)).has(cid)) break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      lat.push(performance.now() - t0);
    }
    return lat;
  } finally {
    await p.cleanup();
  }
}

const ws = await measure('websocket');
const poll = await measure('poll');
h.cleanupReleases();
const f = (x) => `${x.toFixed(1)} ms`;
console.log(`contracts: ${N} per mode (creation answered → exercise visible on the ledger; includes the observer's ${POLL_MS} ms poll)`);
console.log(`websocket stream:  median ${f(pct(ws, 0.5))}  p90 ${f(pct(ws, 0.9))}`);
console.log(`HTTP polling (every 250 ms): median ${f(pct(poll, 0.5))}  p90 ${f(pct(poll, 0.9))}`);
console.log(`ratio polling / websocket (median): ${(pct(poll, 0.5) / pct(ws, 0.5)).toFixed(2)}`);
