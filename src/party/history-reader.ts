/**
 * The history check on a secured topology reads as its own user. The participant-admin token the
 * HTTP client sends by default authorizes administration only: reading a party's contracts or
 * transactions needs a read claim for it (Canton's Claims.canReadAs, a904e34
 * community/base/src/main/scala/com/digitalasset/canton/auth/Claims.scala; RequiredClaims.eventFormatClaims).
 * canton-mpc keeps one user per participant that holds only CanReadAsAnyParty, created (or given
 * the right) on first use with the admin token, and mints a short token for it.
 */
import { jsonApiUrl } from '../config/endpoints.js';
import type { Topology } from '../config/types.js';
import { createLedgerClient } from '../ledger/client.js';
import type { Right } from '../ledger/rights.js';

export const HISTORY_READER_USER = 'canton-mpc-history-reader';
const READ_ANY: Right = { kind: { CanReadAsAnyParty: { value: {} } } } as Right;

/**
 * participant → its Authorization header for the history reader; undefined when canton-mpc cannot
 * mint tokens (no JWT auth, or `jwt-jwks`: the identity provider's admin token is used as is).
 */
export function historyReader(t: Topology, env: NodeJS.ProcessEnv): ((participant: string) => Promise<string | undefined>) | undefined {
  const jwt = t.security.jwt;
  if (!jwt || jwt.type === 'jwt-jwks') return undefined;
  const tokens = new Map<string, Promise<string | undefined>>();
  return (participant) => {
    let token = tokens.get(participant);
    if (!token) tokens.set(participant, (token = readerToken(t, participant, env)));
    return token;
  };
}

async function readerToken(t: Topology, participant: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const node = t.participants.find((p) => p.name === participant);
  if (!node) return undefined;
  const client = createLedgerClient({ baseUrl: jsonApiUrl(node) });
  // Observe, then act: a user created by an earlier run keeps its right; a grant of a held right is a no-op.
  const { created } = await client.createUser({ id: HISTORY_READER_USER }, [READ_ANY]);
  if (!created && !(await client.listRights(HISTORY_READER_USER)).some((r) => 'CanReadAsAnyParty' in (r.kind ?? {}))) await client.grantRights(HISTORY_READER_USER, [READ_ANY]);
  const { loadSigningKey, mintToken } = await import('../security/tokens.js');
  const key = await loadSigningKey(t.security.jwt!, { env, secretsDir: t.security.secretsDir });
  return `Bearer ${await mintToken(t.security.jwt!, key, { participant, user: HISTORY_READER_USER })}`;
}
