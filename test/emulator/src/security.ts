// TLS and Admin-API auth of the emulated nodes, read from the raw HOCON the way Canton reads them:
//  - `ledger-api.tls`, `admin-api.tls` are TlsServerConfig (community/base/.../config/ServerConfig.scala):
//    cert-chain-file, private-key-file, trust-collection-file, client-auth { type = none | optional |
//    require, admin-client {…} } (default optional; `require` without admin-client does not parse);
//  - the JSON API serves HTTPS exactly when `ledger-api.tls` is set (LedgerApiServer.scala passes it on);
//  - `public-api.tls` is TlsBaseServerConfig: cert-chain-file and private-key-file only;
//  - the Admin API's auth services go through RequiringAdminClaimResolver
//    (CantonCommunityAuthInterceptorDefinition.scala, ClaimResolver.scala): no token → UNAUTHENTICATED,
//    a user token (non-privileged service) → "user based authentication is disabled", a privileged
//    token → admin claims;
//  - clients (remote-<kind>s.<n>.<api>.tls): trust-collection-file, client-cert {…}, enabled.
import { readFileSync } from 'node:fs';
import type { Obj, NodeCfg, NodeKind, AuthServiceCfg } from './config.js';
import { ConfigError } from './config.js';
import { makeVerifier, type Verifier } from './auth.js';
import { err } from './errors.js';

export interface ServerTls { cert: string; key: string; ca?: string; requestCert: boolean; rejectUnauthorized: boolean }
export interface ClientTls { ca?: string; cert?: string; key?: string }

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const at = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((a, k) => (isObj(a) ? a[k] : undefined), o);

function nodeSection(raw: Obj, kind: NodeKind, name: string, remote = false): Obj | undefined {
  const v = at(raw, `canton.${remote ? 'remote-' : ''}${kind}s`);
  return isObj(v) && isObj(v[name]) ? (v[name] as Obj) : undefined;
}

function pem(path: unknown, what: string): string {
  if (typeof path !== 'string' || path === '') throw new ConfigError(`${what} is not set`);
  try { return readFileSync(path, 'utf8'); } catch (e) {
    throw new Error(`Unable to read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** TlsServerConfig's fields (ServerConfig.scala); unknown keys fail the config. */
const TLS_SERVER_KEYS = ['cert-chain-file', 'private-key-file', 'trust-collection-file', 'client-auth', 'minimum-server-protocol-version', 'ciphers', 'enable-cert-revocation-checking'];

/** The server side of `<api>.tls`, or undefined when the API runs plain. Throws what Canton would refuse. */
export function serverTls(raw: Obj, n: NodeCfg, api: 'ledger-api' | 'admin-api' | 'public-api'): ServerTls | undefined {
  const where = `canton.${n.kind}s.${n.name}.${api}.tls`;
  const t = at(nodeSection(raw, n.kind, n.name), `${api}.tls`);
  if (t === undefined || t === null) return undefined;
  if (!isObj(t)) throw new ConfigError(`${where} must be an object`);
  const cert = pem(t['cert-chain-file'], `${where}.cert-chain-file`);
  const keyText = pem(t['private-key-file'], `${where}.private-key-file`);
  // PemFile: the key must not use a password (TlsServerConfig scaladoc); an encrypted PEM fails.
  if (/ENCRYPTED/.test(keyText)) throw new Error(`${where}.private-key-file: the private key must not use a password`);
  if (api === 'public-api') {
    for (const k of Object.keys(t)) if (!['cert-chain-file', 'private-key-file', 'minimum-server-protocol-version', 'ciphers'].includes(k)) throw new ConfigError(`Unknown key ${where}.${k}`);
    return { cert, key: keyText, requestCert: false, rejectUnauthorized: false };
  }
  for (const k of Object.keys(t)) if (!TLS_SERVER_KEYS.includes(k)) throw new ConfigError(`Unknown key ${where}.${k}`);
  const ca = t['trust-collection-file'] === undefined ? undefined : pem(t['trust-collection-file'], `${where}.trust-collection-file`);
  const type = String(at(t, 'client-auth.type') ?? 'optional');
  if (!['none', 'optional', 'require'].includes(type)) throw new ConfigError(`${where}.client-auth.type: unknown value ${type} (none, optional, require)`);
  if (type === 'require') {
    const ac = at(t, 'client-auth.admin-client');
    if (!isObj(ac)) throw new ConfigError(`${where}.client-auth: type require needs admin-client { cert-chain-file, private-key-file }`);
    pem(ac['cert-chain-file'], `${where}.client-auth.admin-client.cert-chain-file`);
    pem(ac['private-key-file'], `${where}.client-auth.admin-client.private-key-file`);
  }
  return { cert, key: keyText, ...(ca ? { ca } : {}), requestCert: type !== 'none', rejectUnauthorized: type === 'require' };
}

/** The client side of a remote node's `<api>.tls` (remote.conf). */
export function remoteClientTls(raw: Obj, kind: NodeKind, name: string, api: 'admin-api' | 'ledger-api' | 'public-api'): ClientTls | undefined {
  const t = at(nodeSection(raw, kind, name, true), `${api}.tls`);
  if (!isObj(t) || t.enabled === false || t.enabled === 'false') return undefined;
  const where = `canton.remote-${kind}s.${name}.${api}.tls`;
  for (const k of Object.keys(t)) if (!['trust-collection-file', 'client-cert', 'enabled'].includes(k)) throw new ConfigError(`Unknown key ${where}.${k}`);
  const out: ClientTls = {};
  if (t['trust-collection-file'] !== undefined) out.ca = pem(t['trust-collection-file'], `${where}.trust-collection-file`);
  const cc = t['client-cert'];
  if (isObj(cc)) {
    if (api === 'public-api') throw new ConfigError(`Unknown key ${where}.client-cert`);
    out.cert = pem(cc['cert-chain-file'], `${where}.client-cert.cert-chain-file`);
    out.key = pem(cc['private-key-file'], `${where}.client-cert.private-key-file`);
  }
  return out;
}

function authServices(list: unknown): AuthServiceCfg[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObj).map((a) => ({
    type: String(a.type ?? 'wildcard'),
    ...(a.secret !== undefined ? { secret: String(a.secret) } : {}),
    ...(a.certificate !== undefined ? { certificate: String(a.certificate) } : {}),
    ...(a.url !== undefined ? { url: String(a.url) } : {}),
    ...(a['target-audience'] !== undefined ? { targetAudience: String(a['target-audience']) } : {}),
    ...(a['target-scope'] !== undefined ? { targetScope: String(a['target-scope']) } : {}),
    privileged: a.privileged === true || a.privileged === 'true',
  })).filter((a) => a.type !== 'wildcard');
}

/** Admin API token check, or undefined when the Admin API has no auth services (wildcard). */
export async function adminVerifier(raw: Obj, n: NodeCfg, lifetime: (v: unknown) => number): Promise<((authorization: string | undefined) => Promise<void>) | undefined> {
  const api = at(nodeSection(raw, n.kind, n.name), 'admin-api');
  const services = authServices(at(api, 'auth-services'));
  if (services.length === 0) return undefined;
  const verify: Verifier | undefined = await makeVerifier({ ...n, auth: services, maxTokenLifetimeMs: lifetime(at(api, 'max-token-lifetime')), leewayMs: 0 }, () => '');
  return async (authorization) => {
    const info = await verify!(authorization);
    if (!info.privileged) throw err.unauthenticated('user based authentication is disabled for this API (UserBasedAuthenticationIsDisabled)');
  };
}

// AuthServiceConfig.scala: the fields of each type. Canton reads config with allowUnknownKeys = false
// (CantonConfig.scala, preventAllUnknownKeys), so any other key fails the config; AccessLevel is an
// enumeration (admin | wildcard).
const COMMON_AUTH_KEYS = ['type', 'target-audience', 'target-scope', 'privileged', 'access-level', 'users'];
const AUTH_KEYS: Record<string, string[]> = {
  wildcard: ['type'],
  'unsafe-jwt-hmac-256': [...COMMON_AUTH_KEYS, 'secret', 'max-token-life'],
  'jwt-rs-256-crt': [...COMMON_AUTH_KEYS, 'certificate', 'max-token-life'],
  'jwt-es-256-crt': [...COMMON_AUTH_KEYS, 'certificate'],
  'jwt-es-512-crt': [...COMMON_AUTH_KEYS, 'certificate'],
  'jwt-jwks': [...COMMON_AUTH_KEYS, 'url'],
};

/** Every `auth-services` entry of the node's Ledger and Admin APIs, checked as Canton's reader does. */
export function checkAuthServices(raw: Obj, n: NodeCfg): void {
  for (const api of ['ledger-api', 'admin-api']) {
    const list = at(nodeSection(raw, n.kind, n.name), `${api}.auth-services`);
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new ConfigError(`canton.${n.kind}s.${n.name}.${api}.auth-services must be a list`);
    list.forEach((a, i) => {
      const where = `canton.${n.kind}s.${n.name}.${api}.auth-services.${i}`;
      if (!isObj(a)) throw new ConfigError(`${where} must be an object`);
      const type = String(a.type ?? '');
      const allowed = AUTH_KEYS[type];
      if (!allowed) throw new ConfigError(`${where}.type: unknown auth service type ${type} (${Object.keys(AUTH_KEYS).join(', ')})`);
      for (const k of Object.keys(a)) if (!allowed.includes(k)) throw new ConfigError(`Unknown key ${where}.${k} (type ${type})`);
      const level = a['access-level'];
      if (level !== undefined && !['admin', 'wildcard'].includes(String(level))) throw new ConfigError(`${where}.access-level: ${String(level)} is not one of admin, wildcard`);
    });
  }
}
