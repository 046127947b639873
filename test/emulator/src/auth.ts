// JWT checks of the Ledger API auth services (FACTS §2.5), applied to the JSON API: signature by
// one of the configured services, `exp` required and not further away than max-token-lifetime,
// `sub` naming the user, and the audience/scope rules. `jose` is loaded only when auth is on.
import { readFileSync } from 'node:fs';
import type { AuthServiceCfg, NodeCfg } from './config.js';
import { err } from './errors.js';

/** `validUntilMs`: the token's `exp` plus the leeway; ongoing streams end there (UserBasedOngoingAuthorization.scala). */
export interface TokenInfo { userId: string; privileged: boolean; validUntilMs?: number }
export type Verifier = (authorization: string | undefined) => Promise<TokenInfo>;

export async function makeVerifier(n: NodeCfg, participantUid: () => string): Promise<Verifier | undefined> {
  if (n.auth.length === 0) return undefined;
  const jose = await import('jose');
  type Key = Parameters<typeof jose.jwtVerify>[1];
  const keys: Array<{ svc: AuthServiceCfg; key: Key; algs: string[] }> = [];
  for (const svc of n.auth) {
    switch (svc.type) {
      case 'unsafe-jwt-hmac-256': keys.push({ svc, key: new TextEncoder().encode(svc.secret ?? ''), algs: ['HS256'] }); break;
      case 'jwt-rs-256-crt': keys.push({ svc, key: await jose.importX509(readFileSync(svc.certificate ?? '', 'utf8'), 'RS256'), algs: ['RS256'] }); break;
      case 'jwt-es-256-crt': keys.push({ svc, key: await jose.importX509(readFileSync(svc.certificate ?? '', 'utf8'), 'ES256'), algs: ['ES256'] }); break;
      case 'jwt-es-512-crt': keys.push({ svc, key: await jose.importX509(readFileSync(svc.certificate ?? '', 'utf8'), 'ES512'), algs: ['ES512'] }); break;
      case 'jwt-jwks': keys.push({ svc, key: jose.createRemoteJWKSet(new URL(svc.url ?? '')) as unknown as Key, algs: ['RS256'] }); break;
      default: throw new Error(`Unknown auth-services type ${svc.type} for ${n.name}`);
    }
  }
  return async (authorization) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) throw err.unauthenticated('no Authorization: Bearer header');
    let lastWhy = 'invalid token';
    for (const k of keys) {
      let payload: Record<string, unknown>;
      try {
        payload = (await jose.jwtVerify(m[1]!, k.key as never, { algorithms: k.algs, clockTolerance: Math.floor(n.leewayMs / 1000) })).payload;
      } catch (e) { lastWhy = (e as Error).message; continue; }
      // JwtVerifier: a token must expire, and not too far in the future.
      if (typeof payload.exp !== 'number') throw err.unauthenticated('token has no expiration time');
      if (Number.isFinite(n.maxTokenLifetimeMs) && payload.exp * 1000 - Date.now() > n.maxTokenLifetimeMs) {
        throw err.unauthenticated(`token lifetime too long: expires in ${payload.exp - Math.floor(Date.now() / 1000)} s, max-token-lifetime is ${n.maxTokenLifetimeMs / 1000} s`);
      }
      const aud = Array.isArray(payload.aud) ? payload.aud.map(String) : payload.aud === undefined ? [] : [String(payload.aud)];
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      const ok = k.svc.targetAudience !== undefined ? aud.includes(k.svc.targetAudience)
        : k.svc.targetScope !== undefined ? scopes.includes(k.svc.targetScope)
          : scopes.includes('daml_ledger_api') || aud.includes(`https://daml.com/jwt/aud/participant/${participantUid()}`);
      if (!ok) throw err.unauthenticated('token audience/scope does not match this participant');
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        if (k.svc.privileged) return { userId: '', privileged: true, validUntilMs: payload.exp * 1000 + n.leewayMs };
        throw err.unauthenticated('token has no sub (user id) claim');
      }
      return { userId: payload.sub, privileged: k.svc.privileged, validUntilMs: payload.exp * 1000 + n.leewayMs };
    }
    throw err.unauthenticated(lastWhy);
  };
}
