/**
 * The derived security settings every layer reads (render, up, the HTTP client, the signer).
 * Paths are absolute. Generated material lives under `<stateDir>/secrets/` (see paths.ts).
 */
import type { SecurityMode } from './schema.js';

export type { SecurityMode } from './schema.js';

/** The `auth-services` type rendered into canton.conf. */
export type CantonAuthType = 'unsafe-jwt-hmac-256' | 'jwt-rs-256-crt' | 'jwt-es-256-crt' | 'jwt-es-512-crt' | 'jwt-jwks';
export type JwtAlg = 'HS256' | 'RS256' | 'ES256' | 'ES512';

export interface JwtSpec {
  /** canton-mpc made the key pair and certificate (the default). */
  generated: boolean;
  type: CantonAuthType;
  /** The algorithm canton-mpc signs with (undefined for jwt-jwks: canton-mpc cannot mint). */
  alg?: JwtAlg;
  /** The X509 certificate Canton verifies with (`*-crt` types). */
  certificate?: string;
  /** The private key canton-mpc signs with (`*-crt` types), PKCS8 PEM. */
  signingKey?: string;
  /** `unsafe-jwt-hmac-256`: the variable holding the secret (Canton reads it from its environment). */
  secretEnv?: string;
  /** `jwt-jwks` */
  url?: string;
  /** `jwt-jwks`: a variable holding a ready participant-admin token from your identity provider. */
  adminTokenEnv?: string;
  targetAudience?: string;
  targetScope?: string;
  /** As configured (`5m`, `Inf`); undefined: Canton's default of 5 minutes. */
  maxTokenLifetime?: string;
  /** Undefined for `Inf` (the topology is cached as JSON, which has no Infinity). */
  maxTokenLifetimeMs?: number;
  /** Lifetime of the tokens canton-mpc mints. */
  tokenLifetimeMs: number;
  /** Render a privileged admin-level auth service on every node's Admin API (all types but jwt-jwks). */
  adminApi: boolean;
}

export interface TlsSpec {
  /** canton-mpc generates a CA and per-node certificates (no certChainFile configured). */
  generated: boolean;
  clientAuth: 'none' | 'optional' | 'require';
  /** Own certificates: used by every node. */
  certChainFile?: string;
  privateKeyFile?: string;
  /** What clients trust: the generated CA, or your trustCollectionFile (else your certChainFile). */
  trustCollectionFile: string;
  /** Own client certificate (clientAuth require). */
  clientCertChainFile?: string;
  clientPrivateKeyFile?: string;
  extraHosts: string[];
}

export interface SecuritySpec {
  mode: SecurityMode;
  /** `<stateDir>/secrets` */
  secretsDir: string;
  jwt?: JwtSpec;
  tls?: TlsSpec;
}
