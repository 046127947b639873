import { isAbsolute, join, resolve } from 'node:path';
import envPaths from 'env-paths';

/**
 * canton-mpc's per-user cache: Canton releases, downloads, locks, compiled project topologies.
 * `CANTON_MPC_HOME` wins, then `XDG_CACHE_HOME`, then the platform's cache directory.
 */
export function cacheRoot(env: NodeJS.ProcessEnv): string {
  const home = env.CANTON_MPC_HOME?.trim();
  if (home) return isAbsolute(home) ? home : resolve(home);
  const xdg = env.XDG_CACHE_HOME?.trim();
  // env-paths reads process.env itself; honour the env we were given so tests and `up` agree.
  if (xdg && isAbsolute(xdg)) return join(xdg, 'canton-mpc');
  return envPaths('canton-mpc', { suffix: '' }).cache;
}
