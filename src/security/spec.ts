/**
 * Config → SecuritySpec: which mode, which issuer, where every key and certificate is. Pure.
 * `security` defaults to `none`; the combinations canton-mpc cannot honour are rejected by
 * validate.ts before this runs.
 */
import { isAbsolute, resolve } from 'node:path';
import type { AuthConfig, SecurityMode, TlsConfig } from './schema.js';
import { LIFETIME_RE } from './schema.js';
import type { CantonAuthType, JwtAlg, JwtSpec, SecuritySpec, TlsSpec } from './types.js';
import { jwtPaths, secretsDir, tlsPaths } from './paths.js';

/** Canton's default `max-token-lifetime` (FACTS §2.1). */
export const CANTON_DEFAULT_MAX_TOKEN_LIFETIME_MS = 5 * 60_000;
/** Minted tokens stay this far below the maximum, so clock skew and rounding never cross it. */
const LIFETIME_MARGIN_MS = 60_000;

export interface SecurityInput {
  security?: SecurityMode;
  auth?: AuthConfig;
  tls?: TlsConfig;
}

/** `auth:` and `tls:` refine a mode; they never switch security on by themselves (validate.ts says so). */
export function effectiveMode(c: SecurityInput): SecurityMode {
  return c.security ?? 'none';
}

export function lifetimeMs(text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  if (text === 'Inf') return Infinity;
  const m = LIFETIME_RE.exec(text);
  if (!m) return dflt;
  const mult = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * mult;
}

/** Default minted-token lifetime: a minute under the maximum (4 minutes under Canton's 5), at most an hour. */
export function defaultTokenLifetimeMs(maxMs: number): number {
  if (!Number.isFinite(maxMs)) return 60 * 60_000;
  return Math.max(Math.min(maxMs - LIFETIME_MARGIN_MS, 60 * 60_000), Math.floor(maxMs / 2));
}

const ALG: Record<Exclude<CantonAuthType, 'jwt-jwks'>, JwtAlg> = {
  'unsafe-jwt-hmac-256': 'HS256',
  'jwt-rs-256-crt': 'RS256',
  'jwt-es-256-crt': 'ES256',
  'jwt-es-512-crt': 'ES512',
};

function jwtSpec(a: AuthConfig | undefined, secrets: string, abs: (p: string) => string): JwtSpec {
  const auth: AuthConfig = a ?? { type: 'generated', algorithm: 'ES256' };
  const maxTokenLifetimeMs = lifetimeMs(auth.maxTokenLifetime, CANTON_DEFAULT_MAX_TOKEN_LIFETIME_MS);
  const common = {
    ...(auth.targetAudience ? { targetAudience: auth.targetAudience } : {}),
    ...(auth.targetScope ? { targetScope: auth.targetScope } : {}),
    ...(auth.maxTokenLifetime ? { maxTokenLifetime: auth.maxTokenLifetime } : {}),
    ...(Number.isFinite(maxTokenLifetimeMs) ? { maxTokenLifetimeMs } : {}),
    tokenLifetimeMs: lifetimeMs(auth.tokenLifetime, defaultTokenLifetimeMs(maxTokenLifetimeMs)),
  };
  switch (auth.type) {
    case 'generated': {
      const p = jwtPaths(secrets);
      const type: CantonAuthType = auth.algorithm === 'RS256' ? 'jwt-rs-256-crt' : 'jwt-es-256-crt';
      return { generated: true, type, alg: auth.algorithm, certificate: p.certificate, signingKey: p.key, adminApi: true, ...common };
    }
    case 'unsafe-jwt-hmac-256':
      return { generated: false, type: auth.type, alg: 'HS256', secretEnv: auth.secretEnv, adminApi: true, ...common };
    case 'jwt-jwks':
      return { generated: false, type: auth.type, url: auth.url, ...(auth.adminTokenEnv ? { adminTokenEnv: auth.adminTokenEnv } : {}), adminApi: false, ...common };
    default:
      return {
        generated: false,
        type: auth.type,
        alg: ALG[auth.type],
        certificate: abs(auth.certificate),
        ...(auth.privateKeyFile ? { signingKey: abs(auth.privateKeyFile) } : {}),
        adminApi: true,
        ...common,
      };
  }
}

function tlsSpec(mode: SecurityMode, t: TlsConfig | undefined, secrets: string, abs: (p: string) => string): TlsSpec {
  const clientAuth = t?.clientAuth ?? (mode === 'jwt+mtls' ? 'require' : 'none');
  const extraHosts = t?.extraHosts ?? [];
  if (t?.certChainFile && t.privateKeyFile) {
    return {
      generated: false,
      clientAuth,
      certChainFile: abs(t.certChainFile),
      privateKeyFile: abs(t.privateKeyFile),
      trustCollectionFile: abs(t.trustCollectionFile ?? t.certChainFile),
      ...(t.clientCertChainFile ? { clientCertChainFile: abs(t.clientCertChainFile) } : {}),
      ...(t.clientPrivateKeyFile ? { clientPrivateKeyFile: abs(t.clientPrivateKeyFile) } : {}),
      extraHosts,
    };
  }
  return { generated: true, clientAuth, trustCollectionFile: tlsPaths(secrets).ca.cert, extraHosts };
}

export function securitySpec(c: SecurityInput, projectDir: string, stateDir: string): SecuritySpec {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(projectDir, p));
  const mode = effectiveMode(c);
  const secrets = secretsDir(stateDir);
  if (mode === 'none') return { mode, secretsDir: secrets };
  const spec: SecuritySpec = { mode, secretsDir: secrets, jwt: jwtSpec(c.auth, secrets, abs) };
  if (mode !== 'jwt') spec.tls = tlsSpec(mode, c.tls, secrets, abs);
  return spec;
}

/** `https` when the participant's Ledger API (and so its JSON API, FACTS §2.1) has TLS. */
export function usesTls(s: SecuritySpec | undefined): boolean {
  return Boolean(s?.tls);
}
