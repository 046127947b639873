/**
 * Backups of one node's database with the real PostgreSQL client tools (`pg_dump --format=custom`,
 * `pg_restore`), never a hand-written dump. The tools must be at least the server's major version
 * (an older pg_dump refuses a newer server); they are looked for in $CANTON_MPC_PG_BIN, on PATH, in
 * /usr/lib/postgresql/<v>/bin and /opt/pg-client-<v>/bin (what .ci/pg-client.sh installs). The
 * password travels in PGPASSWORD, never on the command line.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { IntegrityError, PrerequisiteError, RemoteError } from '../errors.js';
import type { ProcessRunner } from '../system/process.js';
import { connect, type PgConnection } from './provision.js';

export interface PgTools {
  pgDump: string;
  pgRestore: string;
  major: number;
}

const PG_TOOL_TIMEOUT_MS = 30 * 60_000;

function candidateDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  if (env.CANTON_MPC_PG_BIN) dirs.push(env.CANTON_MPC_PG_BIN);
  dirs.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  for (const base of ['/usr/lib/postgresql', '/opt']) {
    try {
      for (const n of readdirSync(base)) if (base === '/usr/lib/postgresql' || n.startsWith('pg-client-')) dirs.push(join(base, n, 'bin'));
    } catch {
      /* not there */
    }
  }
  return [...new Set(dirs)];
}

/** The newest pg_dump/pg_restore pair found, refused when older than `minMajor`. */
export async function findPgTools(runner: ProcessRunner, env: NodeJS.ProcessEnv, minMajor: number): Promise<PgTools> {
  const found: PgTools[] = [];
  for (const d of candidateDirs(env)) {
    const pgDump = join(d, 'pg_dump');
    const pgRestore = join(d, 'pg_restore');
    if (!existsSync(pgDump) || !existsSync(pgRestore)) continue;
    const r = await runner.run(pgDump, ['--version'], { timeoutMs: 10_000 }).catch(() => undefined);
    const m = r && /\(PostgreSQL\)\s+(\d+)/.exec(r.stdout);
    if (m) found.push({ pgDump, pgRestore, major: Number(m[1]) });
  }
  found.sort((a, b) => b.major - a.major);
  const best = found[0];
  if (!best || best.major < minMajor) {
    throw new PrerequisiteError(`no pg_dump/pg_restore of PostgreSQL ${minMajor} or newer was found${best ? ` (the newest is ${best.major}, at ${best.pgDump})` : ''}`, {
      hint: `An older pg_dump refuses a newer server. Install the PostgreSQL ${minMajor}+ client tools (on Linux x86_64, \`.ci/pg-client.sh\` in the canton-mpc git repository does it), or point CANTON_MPC_PG_BIN at their bin directory.`,
      kind: 'pg_tools_missing',
    });
  }
  return best;
}

export async function serverMajor(c: PgConnection): Promise<number> {
  const client = await connect(c);
  try {
    const r = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    return Math.floor(Number(r.rows[0]!.v) / 10000);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

const connArgs = (c: PgConnection, database: string) => ['--no-password', '--host', c.host, '--port', String(c.port), '--username', c.user, '--dbname', database];
const pgEnv = (c: PgConnection) => ({ ...(c.password ? { PGPASSWORD: c.password } : {}), PGCONNECT_TIMEOUT: '5' });

/** `pg_dump --format=custom` of `database` into `file` (written as file.partial, then renamed). */
export async function dumpDatabase(runner: ProcessRunner, tools: PgTools, c: PgConnection, database: string, file: string): Promise<{ sha256: string; bytes: number }> {
  const partial = `${file}.partial`;
  const r = await runner.run(tools.pgDump, ['--format=custom', ...connArgs(c, database), '--file', partial], { env: pgEnv(c), timeoutMs: PG_TOOL_TIMEOUT_MS });
  if (r.exitCode !== 0) {
    await rm(partial, { force: true });
    throw new RemoteError(`pg_dump of database ${database} failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}`, { where: r.command, hint: 'Check that PostgreSQL is running (`canton-mpc status`) and the tools match its version.' });
  }
  await rename(partial, file);
  return { sha256: await sha256File(file), bytes: (await stat(file)).size };
}

/** Restores `file` over `database` (`pg_restore --clean --if-exists`) after checking its sha256. */
export async function restoreDatabase(runner: ProcessRunner, tools: PgTools, c: PgConnection, database: string, file: string, sha256: string): Promise<void> {
  const actual = await sha256File(file);
  if (actual !== sha256) throw new IntegrityError(`the backup ${file} has sha256 ${actual}, not the ${sha256} recorded when it was taken`, { where: file, hint: 'The file changed since; canton-mpc will not restore it.' });
  const r = await runner.run(tools.pgRestore, ['--clean', '--if-exists', '--no-owner', '--single-transaction', ...connArgs(c, database), file], { env: pgEnv(c), timeoutMs: PG_TOOL_TIMEOUT_MS });
  if (r.exitCode !== 0) throw new RemoteError(`pg_restore of database ${database} failed: ${r.stderr.trim().split('\n').pop() ?? `exit ${r.exitCode}`}`, { where: r.command });
}
