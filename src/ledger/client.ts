import pRetry, { AbortError } from 'p-retry';
import type { v3_4 } from '@canton-network/core-ledger-client-types';
import { isCantonMpcError, PrerequisiteError, RemoteError } from '../errors.js';
import { httpExchange, type FetchLike } from '../system/http.js';
import { isRetryableStatus, ledgerError, LedgerHttpError } from './errors.js';
import type { Right } from './rights.js';

type Schemas = v3_4.components['schemas'];
export type PartyDetails = v3_4.components['schemas']['PartyDetails'];
export type LedgerUser = v3_4.components['schemas']['User'];

export const LEDGER_REQUEST_TIMEOUT_MS = 10_000;
/** Attempts after the first for 5xx/429/connection failures; the backoff below spans ~6 s. */
export const LEDGER_RETRIES = 8;
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1_500;
const PAGE_SIZE = 1000;

export interface LedgerClientOptions {
  /** The participant's JSON API, e.g. `http://127.0.0.1:5013`. */
  baseUrl: string;
  token?: string;
  fetch?: FetchLike;
  retries?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Observes each retry (debug output). */
  onRetry?: (what: string, attempt: number, error: Error) => void;
}

export interface LedgerClient {
  readonly baseUrl: string;
  listParties(filterParty?: string): Promise<PartyDetails[]>;
  allocateParty(hint: string): Promise<PartyDetails>;
  listUsers(): Promise<LedgerUser[]>;
  getUser(id: string): Promise<LedgerUser | undefined>;
  /** `created: false` when the user already existed (409 USER_ALREADY_EXISTS). */
  createUser(user: { id: string; primaryParty?: string }, rights: Right[]): Promise<{ created: boolean }>;
  listRights(userId: string): Promise<Right[]>;
  grantRights(userId: string, rights: Right[]): Promise<Right[]>;
}

/**
 * Typed JSON Ledger API v2 client (bodies and answers typed by the 3.4 spec's schemas). Requests go
 * through the one HTTP client's keep-alive exchange; 5xx, 429 and connection failures are retried
 * with backoff, every other failure becomes a RemoteError naming the endpoint and Canton's error code.
 */
export function createLedgerClient(opts: LedgerClientOptions): LedgerClient {
  const baseUrl = opts.baseUrl.replace(/\/$/, '');
  const timeoutMs = opts.timeoutMs ?? LEDGER_REQUEST_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) };
  const jsonHeaders = { ...headers, 'content-type': 'application/json' };

  /** One request: its parsed JSON answer; `accept` turns a failure status into a value instead. */
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, accept?: (status: number, body: unknown) => T | undefined): Promise<T> {
    const url = `${baseUrl}${path}`;
    return pRetry(
      async () => {
        let r: Awaited<ReturnType<typeof httpExchange>>;
        try {
          r = await httpExchange(url, { method, headers: body === undefined ? headers : jsonHeaders, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs, signal: opts.signal }, opts.fetch);
        } catch (e) {
          // Connection refused or timed out: retryable, unless we were cancelled.
          if (opts.signal?.aborted) throw new AbortError(e as Error);
          // A local problem (a certificate file missing) does not get better by retrying.
          if (e instanceof PrerequisiteError) throw new AbortError(e);
          throw e;
        }
        const parsed = parseBody(r.text);
        if (r.ok) return parsed as T;
        const accepted = accept?.(r.status, parsed);
        if (accepted !== undefined) return accepted;
        const err = new LedgerHttpError(r.status, parsed, ledgerError(method, url, r.status, parsed));
        if (isRetryableStatus(r.status)) throw err;
        throw new AbortError(err);
      },
      {
        retries: opts.retries ?? LEDGER_RETRIES,
        minTimeout: RETRY_MIN_MS,
        maxTimeout: RETRY_MAX_MS,
        factor: 2,
        randomize: true,
        signal: opts.signal,
        onFailedAttempt: ({ error, attemptNumber }) => opts.onRetry?.(`${method} ${url}`, attemptNumber, error),
      },
    ).catch((e: unknown) => {
      // The RemoteError names the endpoint, Canton's code and the fix.
      if (e instanceof LedgerHttpError) throw e.remote;
      if (isCantonMpcError(e)) throw e;
      throw new RemoteError(`${method} ${url} failed: ${(e as Error).message}`, { where: `${method} ${url}`, cause: e });
    });
  }
  const user = (id: string) => `/v2/users/${encodeURIComponent(id)}`;

  return {
    baseUrl,
    async listParties(filterParty) {
      return paginate(async (pageToken) => {
        const q = query({ ...(filterParty ? { 'filter-party': filterParty } : {}), pageSize: String(PAGE_SIZE), ...(pageToken ? { pageToken } : {}) });
        const data = await call<Schemas['ListKnownPartiesResponse']>('GET', `/v2/parties?${q}`);
        return { items: data?.partyDetails ?? [], next: data?.nextPageToken };
      });
    },
    async allocateParty(hint) {
      const body: Partial<Schemas['AllocatePartyRequest']> = { partyIdHint: hint, identityProviderId: '' };
      const data = await call<Schemas['AllocatePartyResponse']>('POST', '/v2/parties', body);
      return data.partyDetails as PartyDetails;
    },
    async listUsers() {
      return paginate(async (pageToken) => {
        const data = await call<Schemas['ListUsersResponse']>('GET', `/v2/users?${query({ pageSize: String(PAGE_SIZE), ...(pageToken ? { pageToken } : {}) })}`);
        return { items: data?.users ?? [], next: data?.nextPageToken };
      });
    },
    async getUser(id) {
      const data = await call<Schemas['GetUserResponse'] | null>('GET', user(id), undefined, (status) => (status === 404 ? null : undefined));
      return data?.user;
    },
    async createUser(u, rights) {
      // The rights travel with the create (CreateUserRequest.rights): one request per new user.
      const body = { user: { id: u.id, primaryParty: u.primaryParty ?? '', isDeactivated: false, identityProviderId: '' }, rights } as Schemas['CreateUserRequest'];
      const exists = { created: false };
      const r = await call<unknown>('POST', '/v2/users', body, (status, err) =>
        // Only USER_ALREADY_EXISTS means "exists": 409 is also what any gRPC ABORTED becomes
        // (GrpcHttpErrorCodes.scala:20), e.g. a concurrent update, which is an error.
        status === 409 && (err as { code?: string } | undefined)?.code === 'USER_ALREADY_EXISTS' ? exists : undefined,
      );
      return r === exists ? exists : { created: true };
    },
    async listRights(userId) {
      const data = await call<Schemas['ListUserRightsResponse']>('GET', `${user(userId)}/rights`);
      return (data?.rights ?? []) as Right[];
    },
    async grantRights(userId, rights) {
      const body: Schemas['GrantUserRightsRequest'] = { userId, rights, identityProviderId: '' } as Schemas['GrantUserRightsRequest'];
      const data = await call<Schemas['GrantUserRightsResponse']>('POST', `${user(userId)}/rights`, body);
      return (data?.newlyGrantedRights ?? []) as Right[];
    },
  };
}

/** JSON, or the text itself (a proxy's HTML error page, Canton's plain-text 404), or undefined when empty. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export { probeReadyz } from './probe.js';

/** Follow `nextPageToken` until the server says there is no next page. */
async function paginate<T>(page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const { items, next } = await page(token);
    all.push(...items);
    token = next || undefined;
  } while (token);
  return all;
}
