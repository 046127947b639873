// Reads Canton HOCON config the way CantonAppDriver does (FACTS §1, §2): every -c file is merged in
// order (later wins, substitutions resolved across files), -C key=value pairs override the files
// (first one wins), then Canton's own validations run. Only the keys the emulator acts on are
// interpreted; in the sections it interprets (server configs, the BFT sequencer) an unknown key is an
// error, as in Canton (strict.ts); elsewhere keys are accepted and ignored.
import { resolve as resolvePath } from 'node:path';
import parser from '@pushcorn/hocon-parser';
import * as K from './strict.js';
import { prometheusReporters } from './metrics.js';

export type Obj = Record<string, unknown>;
export type NodeKind = 'participant' | 'sequencer' | 'mediator';

export interface Endpoint { address: string; port: number }
export interface StorageCfg {
  type: 'memory' | 'postgres' | 'h2';
  serverName: string; portNumber: number; databaseName: string; user: string; password: string;
}
export interface AuthServiceCfg {
  type: string; secret?: string; certificate?: string; url?: string;
  targetAudience?: string; targetScope?: string; privileged: boolean;
}
export interface NodeCfg {
  name: string; kind: NodeKind; storage: StorageCfg;
  admin: Endpoint;
  ledger?: Endpoint;                       // participant gRPC Ledger API
  http?: Endpoint & { pathPrefix: string }; // participant JSON API (absent when disabled)
  publicApi?: Endpoint;                    // sequencer
  /** A BFT sequencer: its peer-to-peer server (absent without `initial-network`) and the peers it dials. */
  bft?: { server?: Endpoint; authenticates?: boolean; peers: Endpoint[] };
  /** An external sequencer driver named by `sequencer.type` (only `reference` ships with Canton). */
  driver?: string;
  auth: AuthServiceCfg[];
  maxTokenLifetimeMs: number;              // Infinity = `Inf`
  leewayMs: number;
}
export interface RemoteNodeCfg { name: string; kind: NodeKind; admin: Endpoint; ledger?: Endpoint; publicApi?: Endpoint; token?: string }
export interface CantonCfg {
  nodes: NodeCfg[];
  remote: RemoteNodeCfg[];
  portsFile?: string;
  manualStart: boolean;
  consoleBoundedMs: number;
  /** Prometheus reporters (metrics.ts). */
  metrics: Endpoint[];
  raw: Obj;
}

export class ConfigError extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((acc, k) => (isObj(acc) ? acc[k] : undefined), o);
const str = (v: unknown, d: string): string => (v === undefined || v === null ? d : String(v));

/** HOCON durations: `5m`, `5 minutes`, `30s`, `500ms`, `Inf`, or a bare number of ms. */
export function parseDuration(v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  if (/^inf(inite)?$/i.test(s)) return Infinity;
  const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(s);
  if (!m) throw new ConfigError(`Invalid duration: ${s}`);
  const n = Number(m[1]);
  const u = m[2]!.toLowerCase();
  const mult: Record<string, number> = {
    '': 1, ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1, s: 1e3, second: 1e3, seconds: 1e3,
    m: 6e4, minute: 6e4, minutes: 6e4, h: 3.6e6, hour: 3.6e6, hours: 3.6e6, d: 8.64e7, day: 8.64e7, days: 8.64e7,
  };
  if (!(u in mult)) throw new ConfigError(`Invalid duration unit: ${s}`);
  return n * mult[u]!;
}

export async function loadHocon(files: string[], kv: Array<[string, string]>): Promise<Obj> {
  (parser as unknown as { $mode: string }).$mode = 'lib'; // skip the CLI plugin lookup in ~/.pushcorn.conf
  const lines = files.map((f) => `include required(file(${JSON.stringify(resolvePath(f))}))`);
  // -C: the first occurrence of a key wins (Cli.scala), and all of them override the files.
  const seen = new Set<string>();
  for (const [k, v] of kv) {
    if (seen.has(k)) continue;
    seen.add(k);
    lines.push(`${k.split('.').map((p) => JSON.stringify(p)).join('.')} = ${JSON.stringify(v)}`);
  }
  const r: unknown = await parser.parse({ text: lines.join('\n') + '\n', strict: true });
  return isObj(r) ? r : {};
}

function endpoint(o: unknown, dfltAddr = '127.0.0.1'): { address: string; port: number | undefined } {
  const p = get(o, 'port');
  const port = p === undefined || p === null ? undefined : Number(p);
  return { address: str(get(o, 'address'), dfltAddr), port: port === undefined || Number.isNaN(port) ? undefined : port };
}

function storageOf(n: Obj): StorageCfg {
  const s = n.storage;
  const type = str(get(s, 'type'), 'memory') as StorageCfg['type'];
  const p = get(s, 'config.properties');
  return {
    type,
    serverName: str(get(p, 'serverName'), 'localhost'),
    portNumber: Number(get(p, 'portNumber') ?? 5432),
    databaseName: str(get(p, 'databaseName'), ''),
    user: str(get(p, 'user'), ''),
    password: str(get(p, 'password'), ''),
  };
}

function authOf(list: unknown): AuthServiceCfg[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObj).map((a) => ({
    type: str(a.type, 'wildcard'),
    secret: a.secret === undefined ? undefined : String(a.secret),
    certificate: a.certificate === undefined ? undefined : String(a.certificate),
    url: a.url === undefined ? undefined : String(a.url),
    targetAudience: a['target-audience'] === undefined ? undefined : String(a['target-audience']),
    targetScope: a['target-scope'] === undefined ? undefined : String(a['target-scope']),
    privileged: a.privileged === true || a.privileged === 'true',
  })).filter((a) => a.type !== 'wildcard');
}

export function interpret(raw: Obj): CantonCfg {
  const canton = isObj(raw.canton) ? raw.canton : {};
  const errors: string[] = [];
  const nodes: NodeCfg[] = [];
  const need = (kind: NodeKind, name: string, api: string, ep: { address: string; port: number | undefined }): Endpoint => {
    if (ep.port === undefined) errors.push(`canton.${kind}s.${name}.${api}.port not set`);
    return { address: ep.address, port: ep.port ?? 0 };
  };
  const section = (k: string): Obj => (isObj(canton[k]) ? (canton[k] as Obj) : {});
  for (const [name, n] of Object.entries(section('sequencers'))) {
    if (!isObj(n)) continue;
    const at = `canton.sequencers.${name}`;
    K.unknownKeys(n['public-api'], K.PUBLIC_API, `${at}.public-api`, errors);
    K.unknownKeys(n['admin-api'], K.ADMIN_API, `${at}.admin-api`, errors);
    const t = get(n, 'sequencer.type');
    if (t === 'database' && !truthy(get(canton, 'parameters.non-standard-config'))) {
      errors.push(`canton.sequencers.${name}.sequencer.type = database requires canton.parameters.non-standard-config = yes`);
    }
    // CantonConfig.scala:1106-1128: `type` is matched exactly; "BFT" is the BFT orderer, any other
    // string but "database" names an external driver, which needs a `config` section.
    if (t !== undefined && t !== 'BFT' && t !== 'database' && get(n, 'sequencer.config') === undefined) {
      errors.push(`${at}.sequencer: Key not found: 'config'. (sequencer type "${String(t)}" is read as an external sequencer driver; the BFT orderer is type = BFT, case-sensitive)`);
    }
    nodes.push({
      name, kind: 'sequencer', storage: storageOf(n),
      ...(t === 'BFT' ? { bft: bftOf(n.sequencer as Obj, `${at}.sequencer`, errors) } : {}),
      ...(t !== undefined && t !== 'BFT' && t !== 'database' ? { driver: String(t) } : {}),
      publicApi: need('sequencer', name, 'public-api', endpoint(n['public-api'])),
      admin: need('sequencer', name, 'admin-api', endpoint(n['admin-api'])),
      auth: [], maxTokenLifetimeMs: Infinity, leewayMs: 0,
    });
  }
  for (const [name, n] of Object.entries(section('mediators'))) {
    if (!isObj(n)) continue;
    K.unknownKeys(n['admin-api'], K.ADMIN_API, `canton.mediators.${name}.admin-api`, errors);
    nodes.push({ name, kind: 'mediator', storage: storageOf(n), admin: need('mediator', name, 'admin-api', endpoint(n['admin-api'])), auth: [], maxTokenLifetimeMs: Infinity, leewayMs: 0 });
  }
  for (const [name, n] of Object.entries(section('participants'))) {
    if (!isObj(n)) continue;
    const at = `canton.participants.${name}`;
    K.unknownKeys(n['admin-api'], K.ADMIN_API, `${at}.admin-api`, errors);
    K.unknownKeys(n['ledger-api'], K.LEDGER_API, `${at}.ledger-api`, errors);
    K.unknownKeys(n['http-ledger-api'], K.HTTP_LEDGER_API, `${at}.http-ledger-api`, errors);
    K.unknownKeys(get(n, 'http-ledger-api.server'), K.HTTP_LEDGER_API, `${at}.http-ledger-api.server`, errors);
    const admin = need('participant', name, 'admin-api', endpoint(n['admin-api']));
    const ledger = need('participant', name, 'ledger-api', endpoint(n['ledger-api']));
    const h = n['http-ledger-api'];
    let http: NodeCfg['http'];
    if (get(h, 'enabled') !== false && get(h, 'enabled') !== 'false') {
      // The deprecated `http-ledger-api.server.*` form is still read (FACTS §2.1).
      const src = get(h, 'server') !== undefined ? get(h, 'server') : h;
      const ep = need('participant', name, 'http-ledger-api', endpoint(src));
      http = { ...ep, pathPrefix: str(get(src, 'path-prefix'), '') };
    }
    const leeway = get(n, 'ledger-api.jwt-timestamp-leeway.default');
    nodes.push({
      name, kind: 'participant', storage: storageOf(n), admin, ledger, http,
      auth: authOf(get(n, 'ledger-api.auth-services')),
      maxTokenLifetimeMs: parseDuration(get(n, 'ledger-api.max-token-lifetime'), 5 * 60_000),
      leewayMs: leeway === undefined ? 0 : Number(leeway) * 1000,
    });
  }
  // CommunityConfigValidations: two nodes must not use the same database.
  const dbs = new Map<string, string[]>();
  for (const n of nodes) {
    if (n.storage.type !== 'postgres') continue;
    const k = `${n.storage.serverName}:${n.storage.portNumber}/${n.storage.databaseName}`;
    dbs.set(k, [...(dbs.get(k) ?? []), n.name]);
  }
  for (const [k, names] of dbs) {
    if (names.length > 1) errors.push(`DB access configuration of nodes ${names.join(', ')} share same DB access (${k}). Each node must use its own database.`);
  }
  const metrics = prometheusReporters(get(canton, 'monitoring.metrics.reporters'), errors);
  if (errors.length > 0) throw new ConfigError(errors.join(', '));

  const remote: RemoteNodeCfg[] = [];
  for (const kind of ['participant', 'sequencer', 'mediator'] as const) {
    for (const [name, n] of Object.entries(section(`remote-${kind}s`))) {
      if (!isObj(n)) continue;
      const a = endpoint(n['admin-api'], 'localhost');
      if (a.port === undefined) throw new ConfigError(`canton.remote-${kind}s.${name}.admin-api.port not set`);
      const l = endpoint(n['ledger-api'], 'localhost');
      const p = endpoint(n['public-api'], 'localhost');
      remote.push({
        name, kind, admin: { address: a.address, port: a.port },
        ledger: l.port === undefined ? undefined : { address: l.address, port: l.port },
        publicApi: p.port === undefined ? undefined : { address: p.address, port: p.port },
        token: n.token === undefined ? undefined : String(n.token),
      });
    }
  }
  const pf = get(canton, 'parameters.ports-file');
  return {
    nodes, remote, raw, metrics,
    portsFile: pf === undefined || pf === null ? undefined : String(pf),
    manualStart: truthy(get(canton, 'parameters.manual-start')),
    consoleBoundedMs: parseDuration(get(canton, 'parameters.timeouts.console.bounded'), 60_000),
  };
}

/** `sequencer { type = BFT, block, config { initial-network { … } } }`, checked key by key (strict.ts). */
function bftOf(seq: Obj, at: string, errors: string[]): NonNullable<NodeCfg['bft']> {
  K.unknownKeys(seq, K.BFT_SEQUENCER, at, errors);
  const cfg = seq.config;
  K.unknownKeys(cfg, K.BFT_ORDERER, `${at}.config`, errors);
  const net = get(cfg, 'initial-network');
  if (net === undefined) return { peers: [] };
  const nat = `${at}.config.initial-network`;
  K.unknownKeys(net, K.P2P_NETWORK, nat, errors);
  // P2PNetworkConfig.serverEndpoint has no default; P2PServerConfig needs address, external-address, external-port.
  K.requireKey(net, 'server-endpoint', nat, errors);
  const srv = get(net, 'server-endpoint');
  K.unknownKeys(srv, K.P2P_SERVER, `${nat}.server-endpoint`, errors);
  for (const k of ['address', 'external-address', 'external-port']) K.requireKey(srv, k, `${nat}.server-endpoint`, errors);
  K.unknownKeys(get(srv, 'external-tls-config'), K.TLS_CLIENT, `${nat}.server-endpoint.external-tls-config`, errors);
  K.unknownKeys(get(net, 'endpoint-authentication'), K.P2P_AUTH, `${nat}.endpoint-authentication`, errors);
  const peersRaw = get(net, 'peer-endpoints');
  const peers: Endpoint[] = [];
  if (peersRaw !== undefined && !Array.isArray(peersRaw)) errors.push(`${nat}.peer-endpoints: Expected type LIST.`);
  (Array.isArray(peersRaw) ? peersRaw : []).forEach((p, i) => {
    const pat = `${nat}.peer-endpoints.${i}`;
    K.unknownKeys(p, K.P2P_ENDPOINT, pat, errors);
    K.requireKey(p, 'address', pat, errors);
    K.requireKey(p, 'port', pat, errors);
    K.unknownKeys(get(p, 'tls-config'), K.TLS_CLIENT, `${pat}.tls-config`, errors);
    // Without TLS material on the emulator's side, a peer demanding TLS (the default) is never reached.
    const tls = get(p, 'tls-config.enabled');
    if (isObj(p) && p.port !== undefined && (tls === false || tls === 'false')) peers.push({ address: str(p.address, ''), port: Number(p.port) });
  });
  const ep = endpoint(srv, '');
  // external-tls-config defaults to enabled: peers then reach this server's advertised endpoint over
  // TLS to authenticate it, which a server without `tls` never passes (BftBlockOrdererConfig P2PServerConfig doc).
  const extTls = get(srv, 'external-tls-config.enabled');
  const authenticates = extTls === false || extTls === 'false' || get(srv, 'tls') !== undefined;
  return { ...(ep.port !== undefined ? { server: { address: ep.address, port: ep.port }, authenticates } : {}), peers };
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 'yes' || v === 'on';
}
