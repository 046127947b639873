import { Agent as HttpAgent, request as plainRequest, type IncomingMessage } from 'node:http';
import { request as tlsRequest } from 'node:https';
import { isCantonMpcError, RemoteError } from '../errors.js';
import { authorizationFor, secureAgent, secureFetch, tlsFor } from './http-security.js';

/**
 * The one HTTP client, with a named per-request timeout; failures name the method and URL. Two entry
 * points: `httpRequest` (fetch) for downloads and outside services, `httpExchange` (keep-alive
 * node:http) for the JSON Ledger API; callers that speak it go through `ledger/client.ts`.
 */
export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

const HINTS: Record<string, string> = {
  ECONNREFUSED: 'Nothing is listening there. If it is a node of this project, start the topology with `canton-mpc up` (`canton-mpc status` shows what runs); otherwise check the URL.',
  ENOTFOUND: 'The host name does not resolve: check the URL (and CANTON_MPC_MIRROR).',
  ECONNRESET: 'The connection was cut: try again; if it persists, check the server and any proxy in between.',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'The server certificate is not signed by the CA canton-mpc trusts: run `canton-mpc up` (or `canton-mpc rotate-certs`) so every node has a certificate from .canton-mpc/secrets/tls/ca.crt.',
  ERR_TLS_CERT_ALTNAME_INVALID: 'The server certificate does not name this host: add it to `tls.extraHosts` and run `canton-mpc rotate-certs`.',
  CERT_HAS_EXPIRED: 'The server certificate expired: run `canton-mpc rotate-certs`, then restart with `canton-mpc down && canton-mpc up`.',
  EPROTO: 'The TLS handshake failed: the server may require a client certificate (`security: jwt+mtls`) or speak plain HTTP.',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'The server requires a client certificate (`security: jwt+mtls`): check that .canton-mpc/secrets/tls/clients/ holds one, or run `canton-mpc up` to generate it.',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'The server presents a self-signed certificate canton-mpc does not trust: point `tls.trustCollectionFile` at its CA.',
  SELF_SIGNED_CERT_IN_CHAIN: 'The server certificate chains to a CA canton-mpc does not trust: point `tls.trustCollectionFile` at that CA (generated: .canton-mpc/secrets/tls/ca.crt).',
};

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

async function withAuthorization(url: string, headers: Record<string, string> | undefined): Promise<Record<string, string> | undefined> {
  if (Object.keys(headers ?? {}).some((k) => k.toLowerCase() === 'authorization')) return headers;
  const auth = await authorizationFor(url);
  return auth ? { ...headers, authorization: auth } : headers;
}

function requestSignal(req: HttpRequest): AbortSignal {
  const timeout = AbortSignal.timeout(req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
  return req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
}

/** A failure of the request itself (no answer): a RemoteError naming the method, URL, cause and fix. */
function requestFailed(method: string, url: string, req: HttpRequest, e: unknown): never {
  if (isCantonMpcError(e)) throw e;
  const err = e as Error & { cause?: { code?: string } };
  const code = err.cause?.code ?? (err as { code?: string }).code;
  const reason = err.name === 'TimeoutError' ? `no answer within ${req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS} ms` : (code ?? err.message);
  throw new RemoteError(`${method} ${url} failed: ${reason}`, { where: `${method} ${url}`, cause: e, kind: 'http_failed', hint: HINTS[code ?? ''] });
}

/** Downloads, release metadata, the signer's health: Node's fetch (redirects, streamed bodies, the system trust store). */
export async function httpRequest(url: string, req: HttpRequest = {}, fetchImpl?: FetchLike): Promise<Response> {
  const method = req.method ?? 'GET';
  const signal = requestSignal(req);
  try {
    const headers = await withAuthorization(url, req.headers);
    const f = fetchImpl ?? (tlsFor(url) ? (secureFetch as FetchLike) : fetch);
    return await f(url, { method, headers, body: req.body, signal });
  } catch (e) {
    requestFailed(method, url, req, e);
  }
}

/** A small answer, read whole. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  text: string;
}

/**
 * Keep-alive sockets for the topology's own plain-HTTP endpoints. Many short JSON exchanges with one
 * participant (200 users) pay a TCP handshake each without it; with it, a handful of sockets carry them all.
 */
let plainAgent: HttpAgent | undefined;

/**
 * Short JSON exchanges with the topology's nodes (the JSON Ledger API): node:http(s) over keep-alive
 * agents, the topology's CA and client certificate for its own https origins (http-security.ts), the
 * body read whole. Not fetch: building fetch's Request/Response objects and web streams costs more
 * CPU than the exchange itself on a loaded machine (bench/users.mjs). Redirects are not followed:
 * the JSON API does not send any. `fetchImpl` (tests) replaces the transport.
 */
export async function httpExchange(url: string, req: HttpRequest = {}, fetchImpl?: FetchLike): Promise<HttpAnswer> {
  const method = req.method ?? 'GET';
  try {
    const headers = await withAuthorization(url, req.headers);
    if (fetchImpl) {
      const r = await fetchImpl(url, { method, headers, body: req.body, signal: requestSignal(req) });
      return { status: r.status, ok: r.ok, text: await r.text() };
    }
    return await nodeExchange(url, method, headers ?? {}, req);
  } catch (e) {
    requestFailed(method, url, req, e);
  }
}

function nodeExchange(url: string, method: string, headers: Record<string, string>, req: HttpRequest): Promise<HttpAnswer> {
  const https = url.startsWith('https:');
  const agent = https ? (tlsFor(url) ? secureAgent() : undefined) : (plainAgent ??= new HttpAgent({ keepAlive: true }));
  const send = https ? tlsRequest : plainRequest;
  const body = req.body;
  const h = body === undefined ? headers : { ...headers, 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength) };
  const timeoutMs = req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    // The deadline as a timer on this request, not AbortSignal.timeout/any per request (costly on Node 20).
    let timedOut = false;
    // Shaped like fetch's failures (`cause.code`, a TimeoutError name), so requestFailed names the cause the same way.
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(Object.assign(new TypeError('request failed'), { cause: e, name: timedOut ? 'TimeoutError' : e.name === 'AbortError' ? ((req.signal?.reason as Error)?.name ?? 'AbortError') : 'TypeError' }));
    };
    const r = send(url, { method, headers: h, agent, ...(req.signal ? { signal: req.signal } : {}) }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      // Cut mid-answer (the deadline destroyed the request, or the server dropped it).
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        const status = res.statusCode ?? 500;
        resolve({ status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = setTimeout(() => {
      timedOut = true;
      r.destroy();
    }, timeoutMs);
    r.on('error', fail);
    r.end(body);
  });
}
