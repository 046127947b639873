import type { LedgerClient } from './client.js';

/** The hint part of a party id: `Issuer::1220ab…` → `Issuer`. */
export function partyHint(id: string): string {
  const i = id.indexOf('::');
  return i < 0 ? id : id.slice(0, i);
}

/**
 * Find a party on a participant by full id or by hint. Returns the full ids that match (a hint can
 * match several parties allocated under different namespaces).
 */
export async function findParties(client: LedgerClient, idOrHint: string): Promise<string[]> {
  const full = idOrHint.includes('::');
  const listed = await client.listParties(full ? idOrHint : undefined);
  return listed.map((p) => p.party).filter((p) => (full ? p === idOrHint : partyHint(p) === idOrHint));
}
