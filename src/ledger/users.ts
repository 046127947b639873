import type { LedgerClient } from './client.js';
import { desiredRights, extraRights, missingRights, type DesiredUser, type Right } from './rights.js';

export interface ConvergeResult {
  id: string;
  created: boolean;
  /** Rights granted by this call (empty when everything was already in place). */
  granted: Right[];
  /** Rights the user holds beyond the desired ones; reported, never revoked. */
  extra: Right[];
}

/**
 * Create the user, or when it exists grant only what is missing. Safe to repeat and to interleave
 * with retries: a create whose first attempt landed server-side comes back as 409 and converges.
 */
export async function convergeUser(client: LedgerClient, user: DesiredUser): Promise<ConvergeResult> {
  const desired = desiredRights(user);
  const { created } = await client.createUser({ id: user.id, primaryParty: user.primaryParty }, desired);
  if (created) return { id: user.id, created, granted: desired, extra: [] };
  const existing = await client.listRights(user.id);
  const missing = missingRights(existing, desired);
  if (missing.length > 0) await client.grantRights(user.id, missing);
  return { id: user.id, created, granted: missing, extra: extraRights(existing, desired) };
}

/** Read-only: does the user exist with every desired right? (`up --dry-run`, plan observation.) */
export async function userConverged(client: LedgerClient, user: DesiredUser): Promise<boolean> {
  const u = await client.getUser(user.id);
  if (!u) return false;
  return missingRights(await client.listRights(user.id), desiredRights(user)).length === 0;
}
