/**
 * What the one HTTP client (http.ts, and the bare probe in ledger/probe.ts) needs to reach a
 * secured topology: the CA to trust (and the client certificate under mTLS), and a token for each
 * request to a participant. Set once per command by security/activate.ts; empty otherwise.
 * The CA is trusted through an https.Agent that carries it, used only for the topology's own
 * origins: never NODE_TLS_REJECT_UNAUTHORIZED, and downloads keep the system's trust store.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { PrerequisiteError } from '../errors.js';

export interface HttpTlsFiles {
  ca: string;
  cert?: string;
  key?: string;
}

export interface TlsMaterial {
  ca: string;
  cert?: string;
  key?: string;
}

export interface HttpSecurity {
  tls?: HttpTlsFiles;
  /** `https://host:port` of the topology's nodes: the only origins the CA is trusted for. */
  origins?: Set<string>;
  /** The Authorization header for a URL (a participant's JSON API), or undefined. */
  authorization?: (url: string) => Promise<string | undefined>;
}

let current: HttpSecurity = {};
let material: TlsMaterial | undefined;

export function configureHttpSecurity(s: HttpSecurity): void {
  current = s;
  material = undefined;
  agent = undefined;
}

/** The PEM texts, read on first use (the files are 0600, owned by this user). */
export function tlsMaterial(): TlsMaterial | undefined {
  const f = current.tls;
  if (!f) return undefined;
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new PrerequisiteError(`cannot read ${path}, which canton-mpc needs to reach this topology over TLS: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        where: path,
        hint: 'run `canton-mpc up` (its secrets step regenerates missing certificates), or check the tls: paths in canton-mpc.yaml',
      });
    }
  };
  material ??= { ca: read(f.ca), ...(f.cert ? { cert: read(f.cert) } : {}), ...(f.key ? { key: read(f.key) } : {}) };
  return material;
}

export async function authorizationFor(url: string): Promise<string | undefined> {
  return current.authorization ? current.authorization(url) : undefined;
}

/** TLS options for a request to `url`: the topology's CA (and client cert) for its own origins only. */
export function tlsFor(url: string): TlsMaterial | undefined {
  if (!url.startsWith('https:') || !current.origins?.has(new URL(url).origin)) return undefined;
  return tlsMaterial();
}

let agent: Agent | undefined;

/** The keep-alive https.Agent that trusts the topology's CA (and presents the client certificate under mTLS). */
export function secureAgent(): Agent {
  const m = tlsMaterial()!;
  agent ??= new Agent({ keepAlive: true, ca: m.ca, ...(m.cert ? { cert: m.cert } : {}), ...(m.key ? { key: m.key } : {}) });
  return agent;
}

/**
 * A fetch over node:https with the topology's CA (Node's built-in fetch cannot take one). Bodies
 * are read whole: the JSON API answers are small.
 */
export function secureFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; signal?: AbortSignal }): Promise<Response> {
  const a = secureAgent();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: a, signal: init.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 500;
        const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
        resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers }));
      });
    });
    // Shaped like fetch's failures, so http.ts names the cause (`cause.code`) the same way.
    req.on('error', (e) => reject(Object.assign(new TypeError('fetch failed'), { cause: e, name: (e as Error).name === 'AbortError' ? (init.signal?.reason as Error)?.name ?? 'AbortError' : 'TypeError' })));
    req.end(init.body);
  });
}
