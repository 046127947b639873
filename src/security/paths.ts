/** Where generated keys, certificates and tokens live: `<stateDir>/secrets/` (0700, files 0600). */
import { join } from 'node:path';
import type { SecuritySpec } from './types.js';

export const SECRETS_DIR_MODE = 0o700;
export const SECRET_FILE_MODE = 0o600;

export function secretsDir(stateDir: string): string {
  return join(stateDir, 'secrets');
}

export function jwtPaths(secrets: string) {
  return { dir: join(secrets, 'jwt'), key: join(secrets, 'jwt', 'signing.key'), certificate: join(secrets, 'jwt', 'signing.crt'), hmacSecret: join(secrets, 'jwt', 'hmac.secret') };
}

export interface CertPair {
  cert: string;
  key: string;
}

/** The clients that present a certificate under mTLS. `internal` is Canton's own `admin-client`. */
export const CLIENT_NAMES = ['canton-mpc', 'signer', 'internal'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export function tlsPaths(secrets: string) {
  const dir = join(secrets, 'tls');
  return {
    dir,
    ca: { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') } satisfies CertPair,
    node: (name: string): CertPair => ({ cert: join(dir, 'nodes', `${name}.crt`), key: join(dir, 'nodes', `${name}.key`) }),
    client: (name: ClientName): CertPair => ({ cert: join(dir, 'clients', `${name}.crt`), key: join(dir, 'clients', `${name}.key`) }),
  };
}

export function tokenPaths(secrets: string) {
  const dir = join(secrets, 'tokens');
  return { dir, signer: join(dir, 'signer.token'), console: join(dir, 'console.conf') };
}

/** The client certificate a client presents under mTLS (`internal`: Canton's own admin-client); undefined without mTLS. */
export function clientCert(s: SecuritySpec, who: ClientName): CertPair | undefined {
  const tls = s.tls;
  if (!tls || tls.clientAuth !== 'require') return undefined;
  if (!tls.generated) return { cert: tls.clientCertChainFile!, key: tls.clientPrivateKeyFile! };
  return tlsPaths(s.secretsDir).client(who);
}
