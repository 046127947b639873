import { RemoteError } from '../errors.js';

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
};

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export async function httpRequest(url: string, req: HttpRequest = {}, fetchImpl: FetchLike = fetch): Promise<Response> {
  const method = req.method ?? 'GET';
  const timeout = AbortSignal.timeout(req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    return await fetchImpl(url, { method, headers: req.headers, body: req.body, signal });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const code = err.cause?.code;
    const reason = err.name === 'TimeoutError' ? `no answer within ${req.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS} ms` : (code ?? err.message);
    throw new RemoteError(`${method} ${url} failed: ${reason}`, { where: `${method} ${url}`, cause: e, kind: 'http_failed', hint: HINTS[code ?? ''] });
  }
}
