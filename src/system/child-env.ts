import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Explicit environments for the processes we start. Nothing is inherited wholesale: the caller's
 * environment may hold the signer's key share (`signer.passEnv`), tokens or cloud credentials, and
 * anything inherited by Canton or PostgreSQL is readable in /proc/<pid>/environ by their user.
 * Each child gets this base plus exactly what it needs.
 */
const BASE_NAMES = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];

/** Names listed here (comma or space separated) are also passed to Canton, e.g. for `${?VAR}` in your own HOCON. */
export const CANTON_EXTRA_ENV = 'CANTON_MPC_CANTON_ENV';

export function baseEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (BASE_NAMES.includes(k) || k.startsWith('LC_')) out[k] = v;
  }
  return out;
}

/** The variables named in CANTON_MPC_CANTON_ENV, minus any name in `never` (the signer's secrets). */
export function extraCantonEnvironment(env: NodeJS.ProcessEnv, never: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of (env[CANTON_EXTRA_ENV] ?? '').split(/[\s,]+/).filter(Boolean)) {
    const v = env[name];
    if (v !== undefined && !never.includes(name)) out[name] = v;
  }
  return out;
}

/** An executable named `cmd`: a path as given (relative to `cwd`), or looked up in PATH. */
export function resolveExecutable(cmd: string, cwd: string, path: string | undefined): string | undefined {
  const ok = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : join(cwd, cmd);
    return ok(p) ? p : undefined;
  }
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, cmd);
    if (ok(p)) return p;
  }
  return undefined;
}
