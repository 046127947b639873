/**
 * The user-facing `security`, `auth` and `tls` keys of canton-mpc.yaml (zod). `config/schema.ts`
 * mounts them; `security/spec.ts` turns them into the topology's SecuritySpec, and
 * `security/validate.ts` rejects every combination canton-mpc could not honour.
 */
import { z } from 'zod';

const nonEmpty = z.string().min(1, 'must not be empty');
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name such as MY_VAR');

export const SECURITY_MODES = ['none', 'jwt', 'jwt+tls', 'jwt+mtls'] as const;
export type SecurityMode = (typeof SECURITY_MODES)[number];
export const securityModeSchema = z.enum(SECURITY_MODES, { error: `must be one of ${SECURITY_MODES.join(', ')}` });

/** Canton's duration syntax for `max-token-lifetime`, or `Inf`. */
export const LIFETIME_RE = /^(\d+)\s*(ms|s|m|h|d)$/;
const lifetime = z.string().regex(/^(\d+\s*(ms|s|m|h|d)|Inf)$/, 'must be a duration such as 5m or 1h, or Inf');
const tokenLifetime = z.string().regex(LIFETIME_RE, 'must be a duration such as 4m or 90s');

const authCommon = {
  targetAudience: nonEmpty.optional(),
  targetScope: nonEmpty.optional(),
  /** Canton's `max-token-lifetime`: a duration such as `5m`, or `Inf`. */
  maxTokenLifetime: lifetime.optional(),
  /** How long the tokens canton-mpc mints live (default: 4m, or less than maxTokenLifetime). */
  tokenLifetime: tokenLifetime.optional(),
};
/** A user's own signing key for the `*-crt` types, so canton-mpc can mint the tokens it needs. */
const ownKey = { privateKeyFile: nonEmpty.optional() };

export const authSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('generated'), algorithm: z.enum(['ES256', 'RS256']).default('ES256'), ...authCommon }),
    z.strictObject({ type: z.literal('unsafe-jwt-hmac-256'), secretEnv: envName, ...authCommon }),
    z.strictObject({ type: z.literal('jwt-rs-256-crt'), certificate: nonEmpty, ...ownKey, ...authCommon }),
    z.strictObject({ type: z.literal('jwt-es-256-crt'), certificate: nonEmpty, ...ownKey, ...authCommon }),
    z.strictObject({ type: z.literal('jwt-es-512-crt'), certificate: nonEmpty, ...ownKey, ...authCommon }),
    z.strictObject({ type: z.literal('jwt-jwks'), url: z.url({ error: 'must be a URL' }), adminTokenEnv: envName.optional(), ...authCommon }),
  ],
  { error: 'type must be one of generated, unsafe-jwt-hmac-256, jwt-rs-256-crt, jwt-es-256-crt, jwt-es-512-crt, jwt-jwks' },
);
export const AUTH_TYPES = ['generated', 'unsafe-jwt-hmac-256', 'jwt-rs-256-crt', 'jwt-es-256-crt', 'jwt-es-512-crt', 'jwt-jwks'] as const;

export const tlsSchema = z.strictObject({
  /** Your own server certificate (chain) and key, used by every node; omit both to let canton-mpc generate a CA and per-node certificates. */
  certChainFile: nonEmpty.optional(),
  privateKeyFile: nonEmpty.optional(),
  trustCollectionFile: nonEmpty.optional(),
  /** Default from `security`: `require` under jwt+mtls, `none` under jwt+tls. */
  clientAuth: z.enum(['none', 'optional', 'require']).optional(),
  /** With your own certificates and `clientAuth: require`: the client certificate canton-mpc, the console and the signer present. */
  clientCertChainFile: nonEmpty.optional(),
  clientPrivateKeyFile: nonEmpty.optional(),
  /** Extra DNS names or IPs in the generated server certificates. */
  extraHosts: z.array(nonEmpty).default([]),
});

export type AuthConfig = z.output<typeof authSchema>;
export type TlsConfig = z.output<typeof tlsSchema>;
