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

/**
 * Requests in flight per participant while converging many users. One participant's JSON API serves
 * concurrent requests well; a few in flight hide the round-trip latency without queueing inside Canton.
 */
export const USERS_IN_FLIGHT_PER_PARTICIPANT = 8;

export interface UserOnParticipant {
  participant: string;
  want: DesiredUser;
}

/**
 * `fn` over `items` with at most `limit` running at once; results in input order; the first error after
 * all settled. `failFast`: after an error no further item starts (a read that would fail the same way
 * for each of a thousand items should not be retried a thousand times); those running still settle.
 */
export async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>, opts: { failFast?: boolean } = {}): Promise<R[]> {
  const out = new Array<R>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length && !(opts.failFast && errors.length > 0)) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        errors.push(e);
      }
    }
  };
  // At least one worker: a limit below 1 must not return with the items never run.
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length) throw errors[0];
  return out;
}

/**
 * Converge every user: participants in parallel, at most `perParticipant` requests in flight on each.
 * Results come back in input order. Used by `users create` and by `up`.
 */
export async function convergeUsers(
  items: UserOnParticipant[],
  clientFor: (participant: string) => LedgerClient,
  opts: { perParticipant?: number } = {},
): Promise<Array<ConvergeResult & UserOnParticipant>> {
  const limit = opts.perParticipant ?? USERS_IN_FLIGHT_PER_PARTICIPANT;
  const byParticipant = new Map<string, number[]>();
  items.forEach((it, i) => byParticipant.set(it.participant, [...(byParticipant.get(it.participant) ?? []), i]));
  const out = new Array<ConvergeResult & UserOnParticipant>(items.length);
  await Promise.all(
    [...byParticipant].map(([participant, indexes]) => {
      const client = clientFor(participant);
      return mapBounded(indexes, limit, async (i) => {
        out[i] = { ...items[i]!, ...(await convergeUser(client, items[i]!.want)) };
      });
    }),
  );
  return out;
}
