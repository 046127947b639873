import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeRendered } from '../render/index.js';
import { M } from './modules.js';
import { configDir } from './helpers.js';
import type { UpSession } from './session.js';

/** The Canton release, the security material and the rendered config files. */

export async function cantonInstalled(s: UpSession): Promise<boolean> {
  s.cantonHome = (await M.cache.installedCantonHome(s.topology.canton.version, s.ctx.env)) ?? undefined;
  return s.cantonHome !== undefined;
}

export async function ensureCanton(s: UpSession): Promise<void> {
  const r = await M.install.ensureCantonRelease({
    version: s.topology.canton.version,
    configSha256: s.topology.canton.sha256,
    env: s.ctx.env,
    // `up`'s output turns the installer's retry/verified events into its own event stream.
    output: s.ctx.output,
    signal: s.ctx.signal,
  });
  s.cantonHome = r.home;
}

/** Secrets (security: jwt*): the JWT signing key, the CA and TLS certificates. */
export async function secretsInPlace(s: UpSession): Promise<boolean> {
  const jwt = s.topology.security.jwt;
  // An unset HMAC variable is reported by ensureSecrets, before Canton would fail on it.
  if (jwt?.secretEnv && !s.ctx.env[jwt.secretEnv]) return false;
  return (await M.security.missingMaterial(s.topology)).length === 0;
}

export async function ensureSecrets(s: UpSession): Promise<void> {
  for (const f of await M.security.ensureMaterial(s.topology, { env: s.ctx.env })) s.ctx.output.debug(`generated ${f}`);
}

export async function renderedUpToDate(s: UpSession): Promise<boolean> {
  for (const f of s.files) {
    const path = join(configDir(s.topology), f.name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== f.content) return false;
  }
  return true;
}

export async function render(s: UpSession): Promise<void> {
  await writeRendered(configDir(s.topology), s.files);
}
