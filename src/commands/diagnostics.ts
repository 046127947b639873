import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { isCantonMpcError, UserError } from '../errors.js';
import { loadProjectFor } from '../doctor/project.js';
import { findConfigFile } from '../config/load.js';
import { readState, type State } from '../state/state.js';
import { VERSION } from '../version.js';
import { redact } from '../ui/redact.js';
import { redactArchiveText, secretValuesFromEnv, secretValuesFromEnvFile } from '../ci/redact-archive.js';

/**
 * `canton-mpc diagnostics [--out FILE.tar.gz] [--lines N]`: one archive for a CI artifact or a bug
 * report. It reads, never changes, the project; it works after a failed `up`, and with a config
 * that does not load (then the raw file and the error go in). Every file passes through
 * redactArchiveText; secrets/ and the signer's secrets file are never read into it.
 */
export const DEFAULT_LOG_LINES = 1000;
const ARCHIVE_DIR = 'canton-mpc-diagnostics';
/** Probes of status/doctor must not hold a failing CI job for long. */
const STATUS_PROBE_TIMEOUT_MS = 500;

interface Entry {
  name: string;
  content: string;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function secretsOf(ctx: CommandContext, topology: Topology | undefined, state: State | undefined): Promise<string[]> {
  const names = [topology?.postgres.passwordEnv, ...(topology?.signer?.passEnv ?? [])].filter((n): n is string => Boolean(n));
  const out = secretValuesFromEnv(ctx.env, names);
  const pg = state?.postgres?.passwordFile ? await readText(state.postgres.passwordFile) : undefined;
  if (pg?.trim()) out.push(pg.trim());
  if (topology?.signer?.secretsFile) {
    const text = await readText(topology.signer.secretsFile);
    if (text) out.push(...secretValuesFromEnvFile(text));
  }
  return out;
}

async function probeJson(what: string, f: () => Promise<unknown>): Promise<string> {
  try {
    return `${JSON.stringify(await f(), null, 2)}\n`;
  } catch (e) {
    return `${JSON.stringify({ error: `${what} failed: ${(e as Error).message}` }, null, 2)}\n`;
  }
}

async function collect(ctx: CommandContext, lines: number): Promise<{ entries: Entry[]; secrets: string[] }> {
  const entries: Entry[] = [];
  const manifest: { createdAt: string; cantonMpc: string; files: string[]; absent: string[]; configError?: string } = {
    createdAt: new Date().toISOString(),
    cantonMpc: VERSION,
    files: [],
    absent: [],
  };
  const add = (name: string, content: string | undefined) => {
    if (content === undefined) manifest.absent.push(name);
    else entries.push({ name, content });
  };

  let topology: Topology | undefined;
  let configFile: string | undefined;
  try {
    const p = await loadProjectFor(ctx);
    topology = p.topology;
    configFile = p.file;
  } catch (e) {
    // A config that does not load is often why someone asks for diagnostics: keep going.
    if (!isCantonMpcError(e)) throw e;
    manifest.configError = e.message;
    configFile = await findConfigFile(ctx.cwd, ctx.configPath).catch(() => undefined);
  }
  const stateDir = topology?.stateDir ?? join(ctx.cwd, '.canton-mpc');
  const state = await readState(stateDir).catch(() => undefined);

  add(`config/${configFile ? basename(configFile) : 'canton-mpc.yaml'}`, configFile ? await readText(configFile) : undefined);
  const rendered = await fsp.readdir(join(stateDir, 'config')).catch((): string[] => []);
  for (const f of rendered.sort()) add(`rendered/${f}`, await readText(join(stateDir, 'config', f)));
  for (const f of ['state.json', 'journal.ndjson', 'ports.json', 'signer-status.json', 'signer-spec.json']) add(f, await readText(join(stateDir, f)));

  const { tailFile } = await import('../canton/daemon.js');
  const logDir = join(stateDir, 'logs');
  for (const f of (await fsp.readdir(logDir).catch((): string[] => [])).sort()) {
    const tail = await tailFile(join(logDir, f), lines, 64 * 1024 * 1024);
    add(`logs/${f}`, tail.length ? `${tail.join('\n')}\n` : '');
  }

  if (topology) {
    const t = topology;
    const { summarize } = await import('./status.js');
    add('status.json', await probeJson('status', () => summarize(t, state, { probeTimeoutMs: STATUS_PROBE_TIMEOUT_MS })));
    const { createDoctorDeps } = await import('../doctor/adapters.js');
    const { runDoctor } = await import('../doctor/checks.js');
    const checks = probeJson('doctor', () => runDoctor(t, createDoctorDeps({ env: ctx.env, runner: ctx.runner })));
    add('doctor.json', await checks);
  }
  const doctor = entries.find((e) => e.name === 'doctor.json');
  const jdk = doctor ? (JSON.parse(doctor.content) as Array<{ id: string; data?: { chosen?: unknown } }>).find?.((c) => c.id === 'jdk')?.data?.chosen : undefined;
  add(
    'versions.json',
    `${JSON.stringify({ node: process.version, platform: `${process.platform}-${process.arch}`, cantonMpc: VERSION, canton: state?.canton?.version ?? topology?.canton.version, cantonHome: state?.canton?.home, javaHome: state?.canton?.javaHome, jdk: jdk ?? null }, null, 2)}\n`,
  );
  manifest.files = entries.map((e) => e.name);
  add('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  return { entries, secrets: await secretsOf(ctx, topology, state) };
}

export async function run(ctx: CommandContext, opts: { out?: string; lines?: string }): Promise<number> {
  const lines = opts.lines === undefined ? DEFAULT_LOG_LINES : Number(opts.lines);
  if (!Number.isInteger(lines) || lines < 0) throw new UserError(`--lines ${opts.lines} is not a number of lines`, { where: '--lines', hint: 'Use e.g. --lines 500.' });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = resolve(ctx.cwd, opts.out ?? `canton-mpc-diagnostics-${stamp}.tar.gz`);
  const { entries, secrets } = await collect(ctx, lines);

  const staging = await fsp.mkdtemp(join(tmpdir(), 'cmpc-diag-'));
  try {
    for (const e of entries) {
      const path = join(staging, ARCHIVE_DIR, e.name);
      await fsp.mkdir(dirname(path), { recursive: true });
      // Both layers: what this process registered as secret, then the archive's own rules.
      await fsp.writeFile(path, redactArchiveText(redact(e.content), secrets), { mode: 0o600 });
    }
    const tar = await import('tar');
    await fsp.mkdir(dirname(out), { recursive: true });
    const partial = `${out}.partial`;
    await tar.c({ gzip: true, file: partial, cwd: staging, portable: true }, [ARCHIVE_DIR]);
    await fsp.chmod(partial, 0o600);
    await fsp.rename(partial, out);
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
  ctx.output.result(out, { ok: true, file: out, files: entries.map((e) => e.name) });
  return 0;
}
