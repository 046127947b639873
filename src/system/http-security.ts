/**
 * What the one HTTP client (http.ts, and the bare probe in ledger/probe.ts) needs to reach a
 * secured topology: the CA to trust (and the client certificate under mTLS), and a token for each
 * request to a participant. Set once per command by security/activate.ts; empty otherwise.
 * The CA is trusted through a dispatcher (undici Agent) or the request's own `ca`: never
 * NODE_TLS_REJECT_UNAUTHORIZED, never for other hosts' certificates beyond that CA.
 */
import { readFileSync } from 'node:fs';

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
  /** The Authorization header for a URL (a participant's JSON API), or undefined. */
  authorization?: (url: string) => Promise<string | undefined>;
}

let current: HttpSecurity = {};
let material: TlsMaterial | undefined;

export function configureHttpSecurity(s: HttpSecurity): void {
  current = s;
  material = undefined;
}

export function httpSecurity(): HttpSecurity {
  return current;
}

/** The PEM texts, read on first use (the files are 0600, owned by this user). */
export function tlsMaterial(): TlsMaterial | undefined {
  const f = current.tls;
  if (!f) return undefined;
  material ??= { ca: readFileSync(f.ca, 'utf8'), ...(f.cert ? { cert: readFileSync(f.cert, 'utf8') } : {}), ...(f.key ? { key: readFileSync(f.key, 'utf8') } : {}) };
  return material;
}

export async function authorizationFor(url: string): Promise<string | undefined> {
  return current.authorization ? current.authorization(url) : undefined;
}
