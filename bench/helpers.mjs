// Shared by the bench scripts: the test helpers (test/support/cli.ts: projects with the Canton
// emulator installed) bundled once so the scripts run on plain Node.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'bin', 'canton-mpc.js');

export async function loadHelpers() {
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

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** `{ name: [samples] }` → `{ name: median }`. */
export const medians = (rows) => Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));

/** One trivial console run in project `p` (after `up`): the cost of one JVM start of the console on this machine, in ms. */
export async function oneConsoleRunMs(p) {
  const { execFileSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const st = p.state();
  const script = join(p.dir, 'noop.canton');
  writeFileSync(script, 'println("x")\n');
  const t0 = process.hrtime.bigint();
  execFileSync(join(st.canton.home, 'bin', 'canton'), ['run', script, '-c', join(p.stateDir, 'config', 'remote.conf')], { cwd: p.dir, env: { ...p.env, JAVA_HOME: st.canton.javaHome }, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Wall time for the figures. */
export const fmtMs = (x) => `${x.toFixed(0)} ms`;

/** How many times bin/canton started: the lines of the emulator's CANTON_EMULATOR_START_LOG (0 if none). */
export async function consoleStarts(file) {
  const { readFileSync } = await import('node:fs');
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** The final document of a `--json` run: one document, or the last line of a streamed NDJSON run. */
export function resultOf(stdout) {
  try {
    return JSON.parse(stdout);
  } catch {
    return JSON.parse(stdout.trim().split('\n').at(-1));
  }
}

/** Run the CLI in project `p` (throws on a non-zero exit); its stdout and the wall time in ms. */
export async function timedCli(p, args, env = {}) {
  const { execFileSync } = await import('node:child_process');
  const t0 = process.hrtime.bigint();
  const out = execFileSync('node', [CLI, ...args], { cwd: p.dir, env: { ...p.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out };
}

/** `timedCli` for a `--json` run: the wall time and its final document. */
export async function timedJson(p, args, env = {}) {
  const r = await timedCli(p, args, env);
  return { ms: r.ms, out: resultOf(r.out) };
}
