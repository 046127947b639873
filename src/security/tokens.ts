/**
 * JWTs minted in-process (Node crypto, jws.ts), in the shape Canton 3.4.11 accepts
 * (base/daml-jwt/.../AuthServiceJWTPayload.scala, community/base/.../auth/AuthServiceJWT.scala):
 * `sub` = the user id, `exp` within max-token-lifetime (JwtVerifier refuses tokens without one), and
 * the audience or scope the participant's auth service checks. canton-mpc renders one
 * target-audience per participant, so a token for participant1 is refused by participant2.
 * Admin APIs accept only privileged tokens (RequiringAdminClaimResolver): their auth service is
 * `privileged = true, access-level = admin` with target-scope ADMIN_SCOPE.
 */
import { readFile } from 'node:fs/promises';
import type { JwtSpec } from './types.js';
import { jwtPaths } from './paths.js';
import { registerSecret } from '../ui/redact.js';
import { PrerequisiteError, UserError } from '../errors.js';
import { importKey, signJws, type JwsKey } from './jws.js';

/** The participant's built-in admin user (UserManagementStore.scala:98, FACTS §6). */
export const PARTICIPANT_ADMIN = 'participant_admin';
/** The scope the Admin APIs' privileged auth service requires. */
export const ADMIN_SCOPE = 'canton_mpc_admin';
/** Canton's standard scope (AuthServiceJWTCodec.scopeLedgerApiFull). */
export const LEDGER_SCOPE = 'daml_ledger_api';
export const ISSUER = 'canton-mpc';
/** Tokens are replaced after this fraction of their lifetime (the signer's file, the CLI's cache). */
export const REFRESH_FRACTION = 2 / 3;

/** The target-audience rendered for a participant's Ledger API (undefined: none rendered). */
export function ledgerAudience(jwt: JwtSpec, participant: string): string | undefined {
  if (jwt.targetAudience) return jwt.targetAudience;
  // A scope-configured or identity-provider-issued (JWKS) setup keeps Canton's own rules.
  if (jwt.targetScope || jwt.type === 'jwt-jwks') return undefined;
  return `https://canton-mpc/participants/${participant}`;
}

export interface TokenRequest {
  participant: string;
  user: string;
  /** Also valid on the Admin APIs (the remote console's token). */
  admin?: boolean;
  lifetimeMs?: number;
}

export function claimsFor(jwt: JwtSpec, r: TokenRequest): Record<string, unknown> {
  const aud = ledgerAudience(jwt, r.participant);
  const scopes: string[] = [];
  if (!aud) scopes.push(jwt.targetScope ?? LEDGER_SCOPE);
  if (r.admin) scopes.push(ADMIN_SCOPE);
  return { iss: ISSUER, sub: r.user, ...(aud ? { aud: [aud] } : {}), ...(scopes.length ? { scope: scopes.join(' ') } : {}) };
}

export type SigningKey = JwsKey;

/**
 * The key canton-mpc signs with: the generated or configured PKCS8 key file, or the HMAC secret from
 * `auth.secretEnv` (`hmacFile`: the 0600 copy the signer's supervisor reads).
 */
export async function loadSigningKey(jwt: JwtSpec, o: { env: NodeJS.ProcessEnv; secretsDir: string; hmacFile?: boolean }): Promise<SigningKey> {
  if (jwt.type === 'jwt-jwks' || !jwt.alg) {
    throw new UserError('canton-mpc cannot mint tokens for `auth.type: jwt-jwks`', { where: 'auth.type', hint: 'get the token from your identity provider' });
  }
  if (jwt.alg === 'HS256') {
    const secret = o.hmacFile ? (await readFile(jwtPaths(o.secretsDir).hmacSecret, 'utf8')).trim() : o.env[jwt.secretEnv!];
    if (!secret) throw new PrerequisiteError(`$${jwt.secretEnv} is not set (auth.secretEnv)`, { where: 'auth.secretEnv', hint: `export ${jwt.secretEnv}=<the HMAC secret Canton verifies with>` });
    registerSecret(secret);
    return importKey('HS256', secret);
  }
  let pem: string;
  try {
    pem = await readFile(jwt.signingKey!, 'utf8');
  } catch (e) {
    throw new PrerequisiteError(`cannot read the JWT signing key ${jwt.signingKey}: ${(e as Error).message}`, { where: jwt.signingKey, hint: jwt.generated ? 'run `canton-mpc up`, which generates it' : 'check auth.privateKeyFile' });
  }
  try {
    return importKey(jwt.alg, pem);
  } catch (e) {
    throw new UserError(`the JWT signing key ${jwt.signingKey} is not a PEM private key: ${(e as Error).message}`, { where: jwt.signingKey, hint: 'give auth.privateKeyFile a PKCS8 PEM key (`-----BEGIN PRIVATE KEY-----`)' });
  }
}

/** A signed token; `exp` is whole seconds, never beyond `now + lifetime`. Registered for redaction. */
export async function mintToken(jwt: JwtSpec, key: SigningKey, r: TokenRequest, now = Date.now()): Promise<string> {
  const lifetime = Math.min(r.lifetimeMs ?? jwt.tokenLifetimeMs, jwt.maxTokenLifetimeMs ?? Infinity);
  const iat = Math.floor(now / 1000);
  const token = signJws({ ...claimsFor(jwt, r), iat, exp: iat + Math.max(1, Math.floor(lifetime / 1000)) }, key);
  registerSecret(token);
  return token;
}

/** The participant-admin token of canton-mpc's own JSON API calls (or `auth.adminTokenEnv` for JWKS). */
export async function adminToken(jwt: JwtSpec, participant: string, o: { env: NodeJS.ProcessEnv; secretsDir: string }): Promise<string> {
  if (jwt.type === 'jwt-jwks') {
    const t = jwt.adminTokenEnv ? o.env[jwt.adminTokenEnv] : undefined;
    if (!t) throw new PrerequisiteError(`$${jwt.adminTokenEnv ?? 'auth.adminTokenEnv'} holds no token`, { where: 'auth.adminTokenEnv', hint: `export ${jwt.adminTokenEnv}=<a participant_admin token from your identity provider>` });
    registerSecret(t);
    return t;
  }
  return mintToken(jwt, await loadSigningKey(jwt, o), { participant, user: PARTICIPANT_ADMIN });
}
