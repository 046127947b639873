import createClient from 'openapi-fetch';
import pRetry, { AbortError } from 'p-retry';
import type { v3_4 } from '@canton-network/core-ledger-client-types';
import { isCantonMpcError, PrerequisiteError, RemoteError } from '../errors.js';
import { httpRequest, type FetchLike } from '../system/http.js';
import { isRetryableStatus, ledgerError, LedgerHttpError } from './errors.js';
import type { Right } from './rights.js';

type Paths = v3_4.paths;
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
 * Typed JSON Ledger API v2 client (openapi-fetch over the 3.4 spec types). Requests go through the
 * one HTTP client; 5xx, 429 and connection failures are retried with backoff, every other failure
 * becomes a RemoteError naming the endpoint and Canton's error code.
 */
export function createLedgerClient(opts: LedgerClientOptions): LedgerClient {
  const baseUrl = opts.baseUrl.replace(/\/$/, '');
  const timeoutMs = opts.timeoutMs ?? LEDGER_REQUEST_TIMEOUT_MS;
  const api = createClient<Paths>({
    baseUrl,
    fetch: async (req: Request) => {
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.text();
      const headers: Record<string, string> = {};
      req.headers.forEach((v, k) => (headers[k] = v));
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      return httpRequest(req.url, { method: req.method, headers, body, timeoutMs, signal: opts.signal }, opts.fetch);
    },
  });

  async function call<T>(method: string, path: string, fn: () => Promise<{ data?: T; error?: unknown; response: Response }>, accept?: (status: number, body: unknown) => T | undefined): Promise<T> {
    const url = `${baseUrl}${path}`;
    return pRetry(
      async () => {
        let r: { data?: T; error?: unknown; response: Response };
        try {
          r = await fn();
        } catch (e) {
          // Connection refused or timed out: retryable, unless we were cancelled.
          if (opts.signal?.aborted) throw new AbortError(e as Error);
          // A local problem (a certificate file missing) does not get better by retrying.
          if (e instanceof PrerequisiteError) throw new AbortError(e);
          throw e;
        }
        const status = r.response.status;
        if (r.response.ok) return r.data as T;
        const accepted = accept?.(status, r.error);
        if (accepted !== undefined) return accepted;
        const err = new LedgerHttpError(status, r.error, ledgerError(method, url, status, r.error));
        if (isRetryableStatus(status)) throw err;
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

  return {
    baseUrl,
    async listParties(filterParty) {
      return paginate(async (pageToken) => {
        const query = { ...(filterParty ? { 'filter-party': filterParty } : {}), pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) };
        const data = await call('GET', '/v2/parties', () => api.GET('/v2/parties', { params: { query } }));
        return { items: (data?.partyDetails ?? []) as PartyDetails[], next: data?.nextPageToken };
      });
    },
    async allocateParty(hint) {
      const data = await call('POST', '/v2/parties', () =>
        api.POST('/v2/parties', { body: { partyIdHint: hint, identityProviderId: '' } as v3_4.components['schemas']['AllocatePartyRequest'] }),
      );
      return data.partyDetails as PartyDetails;
    },
    async listUsers() {
      return paginate(async (pageToken) => {
        const query = { pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) };
        const data = await call('GET', '/v2/users', () => api.GET('/v2/users', { params: { query } }));
        return { items: (data?.users ?? []) as LedgerUser[], next: data?.nextPageToken };
      });
    },
    async getUser(id) {
      const path = `/v2/users/${encodeURIComponent(id)}`;
      const data = await call<{ user?: LedgerUser } | null>('GET', path, () => api.GET('/v2/users/{user-id}', { params: { path: { 'user-id': id } } }), (status) =>
        status === 404 ? null : undefined,
      );
      return data?.user;
    },
    async createUser(user, rights) {
      const body = { user: { id: user.id, primaryParty: user.primaryParty ?? '', isDeactivated: false, identityProviderId: '' }, rights };
      const r = await call<{ created: boolean }>(
        'POST',
        '/v2/users',
        async () => {
          const res = await api.POST('/v2/users', { body: body as v3_4.components['schemas']['CreateUserRequest'] });
          return { ...res, data: res.response.ok ? { created: true } : undefined };
        },
        // Only USER_ALREADY_EXISTS means "exists": 409 is also what any gRPC ABORTED becomes
        // (GrpcHttpErrorCodes.scala:20), e.g. a concurrent update, which is an error.
        (status, err) => (status === 409 && (err as { code?: string } | undefined)?.code === 'USER_ALREADY_EXISTS' ? { created: false } : undefined),
      );
      return r;
    },
    async listRights(userId) {
      const path = `/v2/users/${encodeURIComponent(userId)}/rights`;
      const data = await call('GET', path, () => api.GET('/v2/users/{user-id}/rights', { params: { path: { 'user-id': userId } } }));
      return (data?.rights ?? []) as Right[];
    },
    async grantRights(userId, rights) {
      const path = `/v2/users/${encodeURIComponent(userId)}/rights`;
      const data = await call('POST', path, () =>
        api.POST('/v2/users/{user-id}/rights', { params: { path: { 'user-id': userId } }, body: { userId, rights, identityProviderId: '' } }),
      );
      return (data?.newlyGrantedRights ?? []) as Right[];
    },
  };
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
