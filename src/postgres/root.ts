import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveExecutable } from '../system/child-env.js';

/**
 * PostgreSQL refuses to run as root. As root, canton-mpc runs the embedded server under an
 * unprivileged account and puts its data where that account can reach it, with no set-up step:
 *
 * - the account: `CANTON_MPC_POSTGRES_RUN_AS` if set, else the `postgres` system user, else
 *   `nobody` (present on every Linux system; initdb needs an account with a passwd entry);
 * - the data: `<stateDir>/postgres` when that account can traverse every directory above it,
 *   otherwise `<CANTON_MPC_POSTGRES_DATA_ROOT or /var/lib/canton-mpc/postgres>/<hash of stateDir>`
 *   (root-owned 0755 parents, the data directory itself 0700 and owned by the account), so a
 *   `mktemp -d` or `/root/...` project works as it is. Nothing in the project is chmod-ed.
 *
 * `doctor` and `up`'s preflight run the same `embeddedLayout` check.
 */
export const RUN_AS_ENV = 'CANTON_MPC_POSTGRES_RUN_AS';
export const DATA_ROOT_ENV = 'CANTON_MPC_POSTGRES_DATA_ROOT';
export const DEFAULT_DATA_ROOT = '/var/lib/canton-mpc/postgres';
const FALLBACK_ACCOUNTS = ['postgres', 'nobody'];

export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

export interface EmbeddedLayout {
  /** undefined when not root: the server runs as we do. */
  runAs?: RunAs;
  dataDir: string;
  /** Set when the layout cannot work; `detail` says why and `fix` what to do. */
  problem?: { detail: string; fix: string };
  /** Human description of the decision (doctor prints it). */
  note: string;
}

export function parsePasswd(text: string, name: string): RunAs | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const f = line.split(':');
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : undefined;
}

/** Can `who` enter every directory from `dir` up to `/`? (`stat` injectable for tests.) */
export function traversable(dir: string, who: RunAs, stat: (p: string) => { uid: number; gid: number; mode: number } | undefined = statOrUndefined): boolean {
  let d = dir;
  for (;;) {
    const st = stat(d);
    if (st) {
      const ok = st.uid === who.uid ? (st.mode & 0o100) !== 0 : st.gid === who.gid ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0;
      if (!ok) return false;
    }
    // A directory that does not exist yet will be created by us (root) with mode 0755.
    const up = dirname(d);
    if (up === d) return true;
    d = up;
  }
}

function statOrUndefined(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

export function fallbackDataDir(stateDir: string, env: NodeJS.ProcessEnv): string {
  return join(env[DATA_ROOT_ENV] || DEFAULT_DATA_ROOT, createHash('sha256').update(stateDir).digest('hex').slice(0, 16));
}

export function embeddedLayout(
  stateDir: string,
  env: NodeJS.ProcessEnv,
  o: { uid?: number; passwd?: string; stat?: Parameters<typeof traversable>[2]; hasSetpriv?: boolean } = {},
): EmbeddedLayout {
  const projectData = join(stateDir, 'postgres');
  const uid = o.uid ?? process.getuid?.();
  if (uid !== 0) return { dataDir: projectData, note: `data in ${projectData}` };
  let passwd = o.passwd;
  if (passwd === undefined) {
    try {
      passwd = readFileSync('/etc/passwd', 'utf8');
    } catch {
      passwd = '';
    }
  }
  const wanted = env[RUN_AS_ENV] ? [env[RUN_AS_ENV]!] : FALLBACK_ACCOUNTS;
  const runAs = wanted.map((n) => parsePasswd(passwd!, n)).find((r) => r !== undefined && r.uid !== 0);
  if (!runAs) {
    return {
      dataDir: projectData,
      note: '',
      problem: {
        detail: `PostgreSQL refuses to run as root, and no unprivileged account to run it as was found (${wanted.join(', ')})`,
        fix: env[RUN_AS_ENV] ? `Set ${RUN_AS_ENV} to an existing non-root user.` : 'Create one (`useradd --system postgres`), run canton-mpc as a normal user, or point POSTGRES_HOST at an existing server.',
      },
    };
  }
  if (!(o.hasSetpriv ?? resolveExecutable('setpriv', '/', env.PATH ?? '/usr/bin:/bin') !== undefined)) {
    return {
      runAs,
      dataDir: projectData,
      note: '',
      problem: { detail: 'running the embedded PostgreSQL as root needs `setpriv` (util-linux) to drop to an unprivileged account', fix: 'Install util-linux (apt-get install util-linux), or run canton-mpc as a normal user.' },
    };
  }
  if (traversable(projectData, runAs, o.stat)) return { runAs, dataDir: projectData, note: `running as root: the server runs as ${runAs.name} (uid ${runAs.uid}), data in ${projectData}` };
  const dataDir = fallbackDataDir(stateDir, env);
  if (!traversable(dataDir, runAs, o.stat)) {
    return {
      runAs,
      dataDir,
      note: '',
      problem: {
        detail: `the embedded PostgreSQL runs as ${runAs.name} (it refuses root), which can reach neither ${projectData} nor ${dataDir}`,
        fix: `Point ${DATA_ROOT_ENV} at a directory ${runAs.name} can enter, run canton-mpc as a normal user, or point POSTGRES_HOST at an existing server.`,
      },
    };
  }
  return { runAs, dataDir, note: `running as root: the server runs as ${runAs.name} (uid ${runAs.uid}); ${runAs.name} cannot enter the project directory, so the data is in ${dataDir}` };
}
