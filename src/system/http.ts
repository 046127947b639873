import { isCantonMpcError, RemoteError } from '../errors.js';
import { authorizationFor, secureFetch, tlsFor } from './http-security.js';

/**
 * The one HTTP client: Node's fetch with a named per-request timeout. Failures name the method and
 * URL. Callers that speak the JSON Ledger API go through `ledger/client.ts`, which wraps this.
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

export async function httpRequest(url: string, req: HttpRequest = {}, fetchImpl?: FetchLike): Promise<Response> {
  const method = req.method ?? 'GET';
  const timeout = AbortSignal.timeout(req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    let headers = req.headers;
    if (!Object.keys(headers ?? {}).some((k) => k.toLowerCase() === 'authorization')) {
      const auth = await authorizationFor(url);
      if (auth) headers = { ...headers, authorization: auth };
    }
    const f = fetchImpl ?? (tlsFor(url) ? (secureFetch as FetchLike) : fetch);
    return await f(url, { method, headers, body: req.body, signal });
  } catch (e) {
    if (isCantonMpcError(e)) throw e;
    const err = e as Error & { cause?: { code?: string } };
    const code = err.cause?.code ?? (err as { code?: string }).code;
    const reason = err.name === 'TimeoutError' ? `no answer within ${req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS} ms` : (code ?? err.message);
    throw new RemoteError(`${method} ${url} failed: ${reason}`, { where: `${method} ${url}`, cause: e, kind: 'http_failed', hint: HINTS[code ?? ''] });
  }
}
