// A tiny JSON Ledger API v2 client: a JWT on every call (read from the token file each time, so the
// supervisor's refresh is picked up), TLS trusting the configured CA, a client certificate under
// mTLS, and a timeout on every request. node:http(s) rather than fetch: fetch in Node 20 takes no CA.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { SignerConfig } from './config.js';

/** A JsCantonError (or a plain HTTP failure), with the endpoint that answered it. */
export class LedgerError extends Error {
  constructor(readonly endpoint: string, readonly status: number, readonly code: string, cause: string) {
    super(`${endpoint} → ${status} ${code}: ${cause}`);
  }
}

export interface Tls { ca?: Buffer; cert?: Buffer; key?: Buffer }

export function tlsOptions(cfg: SignerConfig): Tls {
  const read = (f: string | undefined) => (f ? readFileSync(f) : undefined);
  const out: Tls = {};
  const ca = read(cfg.caFile); if (ca) out.ca = ca;
  const cert = read(cfg.clientCertFile); if (cert) out.cert = cert;
  const key = read(cfg.clientKeyFile); if (key) out.key = key;
  return out;
}

/** The current token, or undefined without auth. Read per request: the file is replaced on refresh. */
export function currentToken(cfg: SignerConfig): string | undefined {
  if (!cfg.tokenFile) return undefined;
  const t = readFileSync(cfg.tokenFile, 'utf8').trim();
  return t === '' ? undefined : t;
}

export class Ledger {
  private readonly tls: Tls;
  constructor(private readonly cfg: SignerConfig) { this.tls = tlsOptions(cfg); }

  tlsFor(): Tls { return this.tls; }

  async post<T>(path: string, body: unknown, query = ''): Promise<T> { return this.call<T>('POST', path + query, body); }
  async get<T>(path: string): Promise<T> { return this.call<T>('GET', path, undefined); }

  private call<T>(method: string, path: string, body: unknown): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), this.cfg.jsonApi.href.endsWith('/') ? this.cfg.jsonApi : new URL(this.cfg.jsonApi.href + '/'));
    const endpoint = `${method} ${url.pathname}`;
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (data) { headers['content-type'] = 'application/json'; headers['content-length'] = String(data.length); }
    const token = currentToken(this.cfg);
    if (token) headers.authorization = `Bearer ${token}`;
    const opts: RequestOptions = { method, headers, timeout: this.cfg.requestTimeoutMs, ...this.tls };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try { json = text === '' ? undefined : JSON.parse(text); } catch { json = undefined; }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(json as T);
          const e = json as { code?: string; cause?: string } | undefined;
          reject(new LedgerError(endpoint, status, e?.code ?? 'HTTP_ERROR', e?.cause ?? text.slice(0, 200)));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new LedgerError(endpoint, 0, 'TIMEOUT', `no answer within ${this.cfg.requestTimeoutMs} ms`)));
      req.on('error', (e) => reject(e instanceof LedgerError ? e : new LedgerError(endpoint, 0, 'CONNECTION', (e as Error).message)));
      req.end(data);
    });
  }
}
