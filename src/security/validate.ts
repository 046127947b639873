/**
 * Load-time checks of `security`, `auth` and `tls`: every combination canton-mpc could not honour
 * is an error here, with its config path, never a section silently dropped. Pure.
 */
import type { PathIssue } from '../config/validate.js';
import type { AuthConfig, SecurityMode, TlsConfig } from './schema.js';
import { CANTON_DEFAULT_MAX_TOKEN_LIFETIME_MS, effectiveMode, lifetimeMs } from './spec.js';

export interface SecurityConfigPart {
  security?: SecurityMode;
  auth?: AuthConfig;
  tls?: TlsConfig;
  signer?: unknown;
}

export function checkSecurity(c: SecurityConfigPart, add: (i: PathIssue) => void): void {
  const mode = effectiveMode(c);
  if (mode === 'none') {
    for (const key of ['auth', 'tls'] as const) {
      if (c[key]) add({ path: [key], at: 'key', message: `\`${key}:\` is set but security is none (the default), so canton-mpc would not honour it`, hint: `remove \`${key}:\`, or set \`security: ${key === 'tls' ? 'jwt+tls' : 'jwt'}\`` });
    }
    return;
  }
  if (c.auth) checkAuth(c.auth, c.signer !== undefined, add);
  if (c.tls) checkTls(mode, c.tls, add);
}

function checkAuth(a: AuthConfig, hasSigner: boolean, add: (i: PathIssue) => void): void {
  if (a.targetAudience && a.targetScope) {
    add({ path: ['auth', 'targetScope'], message: 'set targetAudience or targetScope, not both', hint: 'Canton checks only the audience when both are set (AuthServiceJWT.scala)' });
  }
  const max = lifetimeMs(a.maxTokenLifetime, CANTON_DEFAULT_MAX_TOKEN_LIFETIME_MS);
  if (a.tokenLifetime && lifetimeMs(a.tokenLifetime, 0) > max) {
    add({
      path: ['auth', 'tokenLifetime'],
      message: `tokenLifetime ${a.tokenLifetime} is longer than the participants accept (max-token-lifetime ${a.maxTokenLifetime ?? '5m, Canton\'s default'})`,
      hint: 'Canton refuses such tokens ("token lifetime too long"): shorten tokenLifetime or raise maxTokenLifetime',
    });
  }
  if (a.tokenLifetime && lifetimeMs(a.tokenLifetime, 0) < 3_000) {
    add({ path: ['auth', 'tokenLifetime'], message: `tokenLifetime ${a.tokenLifetime} is too short to use`, hint: 'use at least 3s' });
  }
  if ((a.type === 'jwt-rs-256-crt' || a.type === 'jwt-es-256-crt' || a.type === 'jwt-es-512-crt') && !a.privateKeyFile) {
    add({
      path: ['auth'],
      at: 'key',
      message: `with \`type: ${a.type}\` canton-mpc cannot mint the tokens its own calls, the console and the signer need`,
      hint: 'add `privateKeyFile:` (the PKCS8 key of the certificate, mode 0600), or use `type: generated` (the default) to let canton-mpc make the key pair',
    });
  }
  if (a.type === 'jwt-jwks') {
    if (!a.adminTokenEnv) {
      add({ path: ['auth'], at: 'key', message: 'with `type: jwt-jwks` canton-mpc cannot mint a participant-admin token for its own calls', hint: 'set `adminTokenEnv: VAR` and put a participant_admin token from your identity provider in $VAR' });
    }
    if (hasSigner) {
      add({ path: ['auth', 'type'], message: 'with `type: jwt-jwks` canton-mpc cannot mint the signer\'s token (CANTON_MPC_TOKEN_FILE)', hint: 'let your signer fetch its token from your identity provider and drop `signer:`, or use `type: generated`' });
    }
  }
}

function checkTls(mode: SecurityMode, t: TlsConfig, add: (i: PathIssue) => void): void {
  if (mode === 'jwt') {
    add({ path: ['tls'], at: 'key', message: '`tls:` is set but `security: jwt` runs without TLS', hint: 'set `security: jwt+tls` or `jwt+mtls`, or remove `tls:`' });
    return;
  }
  if (t.clientAuth) {
    if (mode === 'jwt+mtls' && t.clientAuth !== 'require') {
      add({ path: ['tls', 'clientAuth'], message: `clientAuth ${t.clientAuth} contradicts \`security: jwt+mtls\``, hint: 'jwt+mtls means clientAuth require; use `security: jwt+tls` for optional or none' });
    }
    if (mode === 'jwt+tls' && t.clientAuth === 'require') {
      add({ path: ['tls', 'clientAuth'], message: 'clientAuth require contradicts `security: jwt+tls`', hint: 'use `security: jwt+mtls`' });
    }
  }
  const own = t.certChainFile !== undefined || t.privateKeyFile !== undefined;
  if (own && (!t.certChainFile || !t.privateKeyFile)) {
    add({ path: ['tls'], at: 'key', message: 'set both certChainFile and privateKeyFile (your own certificate), or neither (canton-mpc generates a CA and per-node certificates)' });
  }
  if (!own) {
    for (const k of ['trustCollectionFile', 'clientCertChainFile', 'clientPrivateKeyFile'] as const) {
      if (t[k]) add({ path: ['tls', k], message: `${k} applies only to your own certificates (certChainFile/privateKeyFile)`, hint: 'remove it: canton-mpc generates the CA and the client certificates' });
    }
    return;
  }
  if (t.extraHosts.length > 0) add({ path: ['tls', 'extraHosts'], message: 'extraHosts applies only to generated certificates', hint: 'put the names in your own certificate\'s subjectAltName, or drop certChainFile/privateKeyFile' });
  const require = (t.clientAuth ?? (mode === 'jwt+mtls' ? 'require' : 'none')) === 'require';
  if (require && (!t.clientCertChainFile || !t.clientPrivateKeyFile)) {
    add({
      path: ['tls'],
      at: 'key',
      message: 'clientAuth require needs a client certificate for canton-mpc, the console, the signer and Canton\'s own admin-client',
      hint: 'set clientCertChainFile and clientPrivateKeyFile (signed by a CA in trustCollectionFile)',
    });
  }
}
