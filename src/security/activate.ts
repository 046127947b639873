/**
 * Wires a secured topology into the one HTTP client for this process: trust its CA (present the
 * canton-mpc client certificate under mTLS) and authorize every call to a participant's JSON API
 * with a participant_admin token, minted on first use and reused until two thirds of its lifetime.
 * Cheap: nothing is read or imported until the first request needs it.
 */
import type { Topology } from '../config/types.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { configureHttpSecurity } from '../system/http-security.js';
import { clientCert } from './paths.js';
import { adminToken, REFRESH_FRACTION } from './tokens.js';

/** Health endpoints answer without a token (Endpoints.scala serves them outside the auth directive). */
const OPEN_PATHS = /\/(livez|readyz)$/;

export type TokenProvider = (participant: string) => Promise<string>;

/** Participant-admin tokens per participant, cached until REFRESH_FRACTION of their lifetime. */
export function adminTokenProvider(t: Topology, env: NodeJS.ProcessEnv, now: () => number = Date.now): TokenProvider {
  const jwt = t.security.jwt;
  const cache = new Map<string, { token: string; renewAt: number }>();
  return async (participant) => {
    if (!jwt) throw new Error('no JWT auth configured');
    const hit = cache.get(participant);
    if (hit && now() < hit.renewAt) return hit.token;
    const token = await adminToken(jwt, participant, { env, secretsDir: t.security.secretsDir });
    cache.set(participant, { token, renewAt: now() + jwt.tokenLifetimeMs * REFRESH_FRACTION });
    return token;
  };
}

export function activateSecurity(t: Topology, env: NodeJS.ProcessEnv): void {
  const s = t.security;
  if (!s || s.mode === 'none') {
    configureHttpSecurity({});
    return;
  }
  const client = clientCert(s, 'canton-mpc');
  const byOrigin = new Map(t.participants.map((p) => [new URL(jsonApiUrl(p)).origin, p.name]));
  const tokens = s.jwt ? adminTokenProvider(t, env) : undefined;
  configureHttpSecurity({
    ...(s.tls ? { tls: { ca: s.tls.trustCollectionFile, ...(client ? { cert: client.cert, key: client.key } : {}) } } : {}),
    origins: new Set(byOrigin.keys()),
    authorization: async (url) => {
      const u = new URL(url);
      const participant = byOrigin.get(u.origin);
      if (!participant || !tokens || OPEN_PATHS.test(u.pathname)) return undefined;
      return `Bearer ${await tokens(participant)}`;
    },
  });
}
