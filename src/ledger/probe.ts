import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { authorizationFor, tlsFor } from '../system/http-security.js';

/**
 * A bare HTTP GET that returns the status code (0 when nothing answers within `timeoutMs`).
 * `status` and `up`'s fast path use it instead of fetch: Node loads fetch's implementation on first
 * use (~40 ms), which is most of a 250 ms budget.
 */
export async function httpStatus(url: string, timeoutMs: number): Promise<number> {
  // A secured topology: trust its CA (client certificate under mTLS) and send a token.
  const auth = await authorizationFor(url).catch(() => undefined);
  const tls = tlsFor(url);
  const send = url.startsWith('https:') ? httpsRequest : request;
  return new Promise((resolve) => {
    let done = false;
    const finish = (code: number) => {
      if (!done) {
        done = true;
        resolve(code);
      }
    };
    try {
      const req = send(url, { method: 'GET', timeout: timeoutMs, ...(auth ? { headers: { authorization: auth } } : {}), ...(tls ?? {}) }, (res) => {
        res.resume();
        finish(res.statusCode ?? 0);
      });
      req.on('timeout', () => {
        req.destroy();
        finish(0);
      });
      req.on('error', () => finish(0));
      req.end();
    } catch {
      finish(0);
    }
  });
}

export function readyzUrl(jsonApi: string): string {
  return `${jsonApi.replace(/\/$/, '')}/readyz`;
}

/** `GET /readyz`: its status code, or 0 when nothing answers within `timeoutMs`. */
export function probeReadyz(baseUrl: string, timeoutMs: number): Promise<number> {
  return httpStatus(readyzUrl(baseUrl), timeoutMs);
}
