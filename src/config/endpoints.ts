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
export function jsonApiUrl(p: { address: string; ports: { json: number } }): string {
  const host = connectAddress(p.address);
  return `http://${host.includes(':') ? `[${host}]` : host}:${p.ports.json}`;
}
