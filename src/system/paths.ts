import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { PrerequisiteError } from '../errors.js';
import envPaths from 'env-paths';

/**
 * canton-mpc's per-user cache: Canton releases, downloads, locks, compiled project topologies.
 * `CANTON_MPC_HOME` wins, then `XDG_CACHE_HOME`, then the platform's cache directory.
 */
export function cacheRoot(env: NodeJS.ProcessEnv): string {
  const home = env.CANTON_MPC_HOME?.trim();
  if (home) return checkedHome(isAbsolute(home) ? home : resolve(home));
  const xdg = env.XDG_CACHE_HOME?.trim();
  // env-paths reads process.env itself; honour the env we were given so tests and `up` agree.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'canton-mpc');
  return envPaths('canton-mpc', { suffix: '' }).cache;
}

const checked = new Set<string>();

/**
 * CANTON_MPC_HOME must be somewhere a directory can be created. Inside /proc, /sys or /dev Node's
 * recursive mkdir retries forever (the kernel answers ENOENT for a directory it will never create),
 * and below a regular file every write fails with ENOTDIR deep inside some step: both are refused
 * here, once, with the variable named.
 */
function checkedHome(home: string): string {
  if (checked.has(home)) return home;
  const fail = (why: string): never => {
    throw new PrerequisiteError(`CANTON_MPC_HOME=${home} ${why}`, { where: 'CANTON_MPC_HOME', hint: 'Point CANTON_MPC_HOME at a directory on a normal filesystem (or unset it to use ~/.cache/canton-mpc).', kind: 'cache_home_invalid' });
  };
  if (/^\/(proc|sys|dev)(\/|$)/.test(home)) fail(`is inside /${home.split('/')[1]}, a virtual filesystem where no cache can be created`);
  for (let d = home; ; d = dirname(d)) {
    let st;
    try {
      st = statSync(d);
    } catch {
      if (dirname(d) === d) break;
      continue;
    }
    if (!st.isDirectory()) fail(d === home ? 'is not a directory' : `is below ${d}, which is not a directory`);
    break;
  }
  checked.add(home);
  return home;
}
