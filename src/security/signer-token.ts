/**
 * The signer's token: a file (CANTON_MPC_TOKEN_FILE, 0600) holding a JWT for the signer's user on its
 * participant, written by `up` before the signer starts and rewritten by the supervisor at two thirds
 * of the token's lifetime (startTokenRefresher runs inside src/signer/supervisor.ts). The signer
 * re-reads the file before its calls; it also gets the token current at each start as CANTON_MPC_TOKEN.
 * Under TLS it gets the CA (and under mTLS its own client certificate and key) as file paths.
 */
import { readFileSync } from 'node:fs';
import type { Topology } from '../config/types.js';
import { writeSecretFile } from '../system/fs.js';
import type { JwtSpec } from './types.js';
import { clientCert, jwtPaths, tokenPaths } from './paths.js';
import { loadSigningKey, mintToken, REFRESH_FRACTION, type SigningKey } from './tokens.js';

/** Everything the supervisor needs to mint; no secret (the key is read from its 0600 file). */
export interface SignerTokenSpec {
  file: string;
  secretsDir: string;
  jwt: JwtSpec;
  participant: string;
  user: string;
}

/** After a failed refresh, try again this soon (the old token usually still has a third to live). */
export const REFRESH_RETRY_MS = 5_000;

export function signerTokenSpec(t: Topology): SignerTokenSpec | undefined {
  const jwt = t.security.jwt;
  if (!jwt || !t.signer || jwt.type === 'jwt-jwks') return undefined;
  return { file: tokenPaths(t.security.secretsDir).signer, secretsDir: t.security.secretsDir, jwt, participant: t.signer.participant, user: t.signer.user };
}

async function writeToken(spec: SignerTokenSpec, key: SigningKey): Promise<string> {
  const token = await mintToken(spec.jwt, key, { participant: spec.participant, user: spec.user });
  await writeSecretFile(spec.file, `${token}\n`);
  return token;
}

/**
 * Before the signer starts: the HMAC secret's 0600 copy for the supervisor (it cannot read the
 * caller's environment later), a fresh token file, and the variables that point the signer at them.
 */
export async function prepareSignerSecurity(t: Topology, env: NodeJS.ProcessEnv): Promise<{ env: Record<string, string>; token?: SignerTokenSpec }> {
  const s = t.security;
  const out: Record<string, string> = {};
  const spec = signerTokenSpec(t);
  if (spec) {
    if (spec.jwt.alg === 'HS256') {
      const key = await loadSigningKey(spec.jwt, { env, secretsDir: s.secretsDir });
      await writeSecretFile(jwtPaths(s.secretsDir).hmacSecret, `${(key.key as Buffer).toString('utf8')}\n`);
    }
    await writeToken(spec, await loadSigningKey(spec.jwt, { env, secretsDir: s.secretsDir, hmacFile: true }));
    out.CANTON_MPC_TOKEN_FILE = spec.file;
  }
  if (s.tls) {
    out.CANTON_MPC_CA_FILE = s.tls.trustCollectionFile;
    const c = clientCert(s, 'signer');
    if (c) {
      out.CANTON_MPC_CLIENT_CERT_FILE = c.cert;
      out.CANTON_MPC_CLIENT_KEY_FILE = c.key;
    }
  }
  return { env: out, ...(spec ? { token: spec } : {}) };
}

export interface TokenRefresher {
  /** The token in the file now (for CANTON_MPC_TOKEN at each signer start). */
  current(): string | undefined;
  stop(): void;
}

/** Inside the supervisor: rewrite the token file at REFRESH_FRACTION of the lifetime, forever. */
export function startTokenRefresher(spec: SignerTokenSpec, log: (msg: string) => void): TokenRefresher {
  let timer: NodeJS.Timeout | undefined;
  let token: string | undefined;
  let key: SigningKey | undefined;
  const period = Math.max(1_000, Math.floor(spec.jwt.tokenLifetimeMs * REFRESH_FRACTION));
  const schedule = (ms: number) => {
    timer = setTimeout(() => void refresh(), ms);
  };
  const refresh = async () => {
    try {
      key ??= await loadSigningKey(spec.jwt, { env: {}, secretsDir: spec.secretsDir, hmacFile: true });
      token = await writeToken(spec, key);
      schedule(period);
    } catch (e) {
      log(`could not refresh the signer's token (${(e as Error).message}); retrying in ${REFRESH_RETRY_MS} ms`);
      schedule(REFRESH_RETRY_MS);
    }
  };
  try {
    token = readFileSync(spec.file, 'utf8').trim();
  } catch {
    void refresh();
    return { current: () => token, stop: () => timer && clearTimeout(timer) };
  }
  schedule(period);
  return {
    current: () => token,
    stop: () => timer && clearTimeout(timer),
  };
}
