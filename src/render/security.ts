/**
 * Auth and TLS in the rendered HOCON (FACTS §2.5, §2.6), merged into the objects canton-conf.ts
 * builds. Pure. Only paths and environment substitutions are written: no key, secret or token ever
 * appears in canton.conf or remote.conf (the console's tokens come from an included 0600 file).
 *   - participants: `ledger-api` and `admin-api` get `auth-services`, `max-token-lifetime`, `tls`
 *     (the JSON API serves HTTPS because `ledger-api.tls` is set: LedgerApiServer.scala passes it on);
 *   - sequencers: `public-api.tls` (cert and key only: TlsBaseServerConfig), `admin-api` as above;
 *   - mediators: `admin-api` as above.
 * Admin APIs accept only privileged tokens (RequiringAdminClaimResolver in
 * CantonCommunityAuthInterceptorDefinition.scala), hence `privileged = true, access-level = admin`.
 * A local participant reaches a local sequencer through `publicApi.clientConfig`, which trusts the
 * sequencer's own cert-chain-file (PublicServerConfig.scala): the chain files end with the CA.
 */
import type { CantonNode, Topology } from '../config/types.js';
import type { SecuritySpec } from '../security/types.js';
import { clientCert, tlsPaths, tokenPaths, type CertPair } from '../security/paths.js';
import { ADMIN_SCOPE, ledgerAudience } from '../security/tokens.js';
import { envOnly, type HoconObject, type HoconValue } from './hocon.js';

/** The `*-crt` and HMAC types have a per-service `max-token-life`; the ES types do not (AuthServiceConfig.scala). */
const HAS_MAX_TOKEN_LIFE = new Set(['unsafe-jwt-hmac-256', 'jwt-rs-256-crt']);

function lifetime(text: string): string {
  return text === 'Inf' ? 'Inf' : text.replace(/\s+/g, '');
}

function authService(s: SecuritySpec, o: { audience?: string; admin?: boolean }): HoconObject {
  const jwt = s.jwt!;
  const svc: HoconObject = { type: jwt.type };
  if (jwt.certificate) svc.certificate = jwt.certificate;
  if (jwt.secretEnv) svc.secret = envOnly(jwt.secretEnv);
  if (jwt.url) svc.url = jwt.url;
  if (o.admin) {
    svc.privileged = true;
    svc['access-level'] = 'admin';
    svc['target-scope'] = ADMIN_SCOPE;
  } else if (o.audience) {
    svc['target-audience'] = o.audience;
  } else if (jwt.targetScope) {
    svc['target-scope'] = jwt.targetScope;
  }
  if (jwt.maxTokenLifetime && HAS_MAX_TOKEN_LIFE.has(jwt.type)) svc['max-token-life'] = lifetime(jwt.maxTokenLifetime);
  return svc;
}

function serverCert(s: SecuritySpec, n: CantonNode): CertPair {
  const tls = s.tls!;
  if (!tls.generated) return { cert: tls.certChainFile!, key: tls.privateKeyFile! };
  return tlsPaths(s.secretsDir).node(n.name);
}

function serverTls(s: SecuritySpec, n: CantonNode): HoconObject {
  const tls = s.tls!;
  const own = serverCert(s, n);
  const internal = clientCert(s, 'internal');
  const clientAuth: HoconObject =
    tls.clientAuth === 'require' && internal
      ? { type: 'require', 'admin-client': { 'cert-chain-file': internal.cert, 'private-key-file': internal.key } }
      : { type: tls.clientAuth };
  return { 'cert-chain-file': own.cert, 'private-key-file': own.key, 'trust-collection-file': tls.trustCollectionFile, 'client-auth': clientAuth };
}

function secureApi(s: SecuritySpec, n: CantonNode, api: 'ledger-api' | 'admin-api'): HoconObject {
  const out: HoconObject = {};
  const jwt = s.jwt;
  if (jwt && (api === 'ledger-api' || jwt.adminApi)) {
    out['auth-services'] = [authService(s, api === 'admin-api' ? { admin: true } : { audience: ledgerAudience(jwt, n.name) })];
    if (jwt.maxTokenLifetime) out['max-token-lifetime'] = lifetime(jwt.maxTokenLifetime);
  }
  if (s.tls) out.tls = serverTls(s, n);
  return out;
}

/** What security adds to one local node's config. */
export function nodeSecurity(s: SecuritySpec, n: CantonNode): HoconObject {
  if (s.mode === 'none') return {};
  switch (n.kind) {
    case 'participant':
      return { 'ledger-api': secureApi(s, n, 'ledger-api'), 'admin-api': secureApi(s, n, 'admin-api') };
    case 'sequencer': {
      const pub = s.tls ? { tls: { 'cert-chain-file': serverCert(s, n).cert, 'private-key-file': serverCert(s, n).key } } : {};
      return { 'public-api': pub, 'admin-api': secureApi(s, n, 'admin-api') };
    }
    case 'mediator':
      return { 'admin-api': secureApi(s, n, 'admin-api') };
  }
}

function clientTls(s: SecuritySpec, withCert: boolean): HoconObject {
  const c = withCert ? clientCert(s, 'canton-mpc') : undefined;
  return { 'trust-collection-file': s.tls!.trustCollectionFile, ...(c ? { 'client-cert': { 'cert-chain-file': c.cert, 'private-key-file': c.key } } : {}) };
}

/** What security adds to one remote node's entry in remote.conf (the token comes from the include). */
export function remoteSecurity(s: SecuritySpec, n: CantonNode): HoconObject {
  if (!s.tls) return {};
  const full = { tls: clientTls(s, true) };
  switch (n.kind) {
    case 'participant':
      return { 'ledger-api': full, 'admin-api': full };
    case 'sequencer':
      // The public API takes only trust-collection-file and enabled (TlsClientConfigOnlyTrustFile).
      return { 'public-api': { tls: clientTls(s, false) }, 'admin-api': full };
    case 'mediator':
      return { 'admin-api': full };
  }
}

function isObject(v: HoconValue | undefined): v is HoconObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !('variables' in v);
}

export function mergeHocon(base: HoconObject, extra: HoconObject): HoconObject {
  const out: HoconObject = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? mergeHocon(b, v) : v;
  }
  return out;
}

type Section = 'participants' | 'sequencers' | 'mediators';
const SECTIONS: Array<[Section, (t: Topology) => CantonNode[]]> = [
  ['participants', (t) => t.participants],
  ['sequencers', (t) => t.sequencers],
  ['mediators', (t) => t.mediators],
];

function apply(t: Topology, doc: HoconObject, prefix: '' | 'remote-', f: (s: SecuritySpec, n: CantonNode) => HoconObject): HoconObject {
  if (t.security.mode === 'none') return doc;
  const canton = { ...(doc.canton as HoconObject) };
  for (const [section, nodes] of SECTIONS) {
    const key = `${prefix}${section}`;
    const entries = canton[key];
    if (!isObject(entries)) continue;
    const next: HoconObject = { ...entries };
    for (const n of nodes(t)) {
      const e = next[n.name];
      if (isObject(e)) next[n.name] = mergeHocon(e, f(t.security, n));
    }
    canton[key] = next;
  }
  return { ...doc, canton };
}

/** canton.conf: the nodes' auth services and TLS. */
export function withSecurity(t: Topology, doc: HoconObject): HoconObject {
  return apply(t, doc, '', nodeSecurity);
}

/** remote.conf: TLS trust and client certificates. */
export function withRemoteSecurity(t: Topology, doc: HoconObject): HoconObject {
  return apply(t, doc, 'remote-', remoteSecurity);
}

/** The include line appended to remote.conf: the console's tokens, minted fresh into a 0600 file. */
export function consoleTokenInclude(t: Topology): string {
  if (!t.security.jwt) return '';
  return `\n# The console's tokens (a 0600 file). They expire: refresh them with \`canton-mpc token --console\` before a run.\ninclude required(file(${JSON.stringify(tokenPaths(t.security.secretsDir).console)}))\n`;
}
