/**
 * Has a party ever been a stakeholder? Asked of every participant that hosts it, over the JSON Ledger
 * API: its active contracts now, and any transaction for it since the ledger's start. A pruned
 * participant cannot answer for the pruned range, and a failed call cannot answer at all: both are
 * `unknown`, which the decision guide treats like `used` (the runbook's safe path).
 */
import { httpExchange, type FetchLike } from '../system/http.js';
import type { History } from './types.js';

export interface HistorySource {
  participant: string;
  /** The participant's JSON API, e.g. http://127.0.0.1:5013. */
  url: string;
  /**
   * The Authorization header to read with on a secured topology (party/history-reader.ts): the
   * participant-admin token the client adds by default holds no read right (Claims.canReadAs).
   */
  authorization?: () => Promise<string | undefined>;
}

const HISTORY_TIMEOUT_MS = 10_000;

const wildcard = (party: string) => ({ filtersByParty: { [party]: { cumulative: [{ identifierFilter: { WildcardFilter: { value: { includeCreatedEventBlob: false } } } }] } }, verbose: false });

async function request(base: string, method: 'GET' | 'POST', path: string, body: unknown, fetchImpl?: FetchLike, authorization?: string): Promise<unknown> {
  const url = `${base.replace(/\/$/, '')}${path}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
  // The shared client: the topology's CA on a secured topology, and the reader's token when given (else the admin token, security/activate.ts).
  const r = await httpExchange(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: HISTORY_TIMEOUT_MS }, fetchImpl);
  const text = r.text;
  if (!r.ok) throw new Error(`${method} ${url} answered ${r.status}: ${text.slice(0, 200)}`);
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

export interface ParticipantHistory {
  participant: string;
  activeContracts: number;
  transactions: number;
  prunedUpTo: number;
  error?: string;
}

export async function participantHistory(src: HistorySource, party: string, fetchImpl?: FetchLike): Promise<ParticipantHistory> {
  try {
    const auth = await src.authorization?.();
    const call = (method: 'GET' | 'POST', path: string, body: unknown, f?: FetchLike) => request(src.url, method, path, body, f, auth);
    const end = Number(((await call('GET', '/v2/state/ledger-end', undefined, fetchImpl)) as { offset?: number }).offset ?? 0);
    const pruned = Number(((await call('GET', '/v2/state/latest-pruned-offsets', undefined, fetchImpl)) as { participantPrunedUpToInclusive?: number }).participantPrunedUpToInclusive ?? 0);
    if (end === 0) return { participant: src.participant, activeContracts: 0, transactions: 0, prunedUpTo: pruned };
    const acs = (await call('POST', '/v2/state/active-contracts?limit=1', { activeAtOffset: end, eventFormat: wildcard(party) }, fetchImpl)) as unknown[];
    const updates = (await call('POST', '/v2/updates?limit=1', {
      beginExclusive: pruned,
      endInclusive: end,
      updateFormat: { includeTransactions: { eventFormat: wildcard(party), transactionShape: 'TRANSACTION_SHAPE_ACS_DELTA' } },
    }, fetchImpl)) as unknown[];
    return { participant: src.participant, activeContracts: Array.isArray(acs) ? acs.length : 0, transactions: Array.isArray(updates) ? updates.length : 0, prunedUpTo: pruned };
  } catch (e) {
    return { participant: src.participant, activeContracts: 0, transactions: 0, prunedUpTo: 0, error: (e as Error).message };
  }
}

/** Pure: the per-participant answers → one History. */
export function summarizeHistory(rows: ParticipantHistory[]): History {
  const used = rows.filter((r) => r.activeContracts > 0 || r.transactions > 0);
  if (used.length > 0) {
    return { state: 'used', detail: used.map((r) => `${r.participant}: ${r.activeContracts > 0 ? 'has active contracts' : 'has transactions'} of it`).join('; ') };
  }
  const failed = rows.filter((r) => r.error);
  if (failed.length > 0) return { state: 'unknown', detail: failed.map((r) => `could not check ${r.participant} (${r.error})`).join('; ') };
  const pruned = rows.filter((r) => r.prunedUpTo > 0);
  if (pruned.length > 0) return { state: 'unknown', detail: pruned.map((r) => `${r.participant} is pruned up to offset ${r.prunedUpTo}, so earlier transactions cannot be checked`).join('; ') };
  if (rows.length === 0) return { state: 'unknown', detail: 'no participant hosting it could be asked' };
  return { state: 'none', detail: `no active contracts and no transactions on ${rows.map((r) => r.participant).join(', ')}` };
}

export async function partyHistory(sources: HistorySource[], party: string, fetchImpl?: FetchLike): Promise<History> {
  return summarizeHistory(await Promise.all(sources.map((s) => participantHistory(s, party, fetchImpl))));
}
