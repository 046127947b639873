/**
 * Where clients reach a node. Tiny and import-free on purpose: `status` and the `up` fast path use it
 * without loading the config schema.
 */

/** A node bound to a wildcard address is reached on loopback. */
export function connectAddress(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::' || address === '[::]') return '::1';
  return address;
}

/** The base URL of a participant's JSON Ledger API. */
export function jsonApiUrl(p: { address: string; ports: { json: number }; tls?: boolean }): string {
  const host = connectAddress(p.address);
  // The JSON API serves HTTPS exactly when the Ledger API has TLS (FACTS §2.1).
  return `${p.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${p.ports.json}`;
}
