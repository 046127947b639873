import { describe, expect, it } from 'vitest';
import { createLedgerClient } from '../../src/ledger/client.js';
import { ledgerError, asCantonError } from '../../src/ledger/errors.js';
import { actAs, desiredRights, extraRights, missingRights, participantAdmin, readAs, rightKey } from '../../src/ledger/rights.js';

type Handler = (method: string, path: string, body: unknown) => { status: number; body?: unknown };

function fakeFetch(handler: Handler) {
  const calls: Array<{ method: string; url: string; body: unknown; headers: Record<string, string> }> = [];
  const f = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method: init?.method ?? 'GET', url, body, headers: (init?.headers ?? {}) as Record<string, string> });
    const u = new URL(url);
    const r = handler(init?.method ?? 'GET', u.pathname + u.search, body);
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } });
  };
  return { f, calls };
}

const err = (code: string, cause = 'x') => ({ code, cause, context: {}, errorCategory: 10 });

describe('rights', () => {
  it.each([
    [{ id: 'u', actAs: ['A::1'], readAs: [], participantAdmin: false }, ['CanActAs:A::1']],
    [{ id: 'u', actAs: ['A::1'], readAs: ['B::2', 'A::1'], participantAdmin: true }, ['CanActAs:A::1', 'CanReadAs:B::2', 'CanReadAs:A::1', 'ParticipantAdmin']],
    [{ id: 'u', actAs: ['A::1', 'A::1'], readAs: [], participantAdmin: false }, ['CanActAs:A::1']],
  ])('desiredRights(%j)', (u, keys) => {
    expect(desiredRights(u).map(rightKey)).toEqual(keys);
  });
  it('missing and extra rights compare by meaning, not JSON layout', () => {
    const have = [actAs('A::1'), { kind: { ParticipantAdmin: { value: {} } } }];
    const want = [actAs('A::1'), readAs('B::2'), participantAdmin()];
    expect(missingRights(have, want).map(rightKey)).toEqual(['CanReadAs:B::2']);
    expect(extraRights([...have, readAs('C::3')], want).map(rightKey)).toEqual(['CanReadAs:C::3']);
  });
});

describe('errors', () => {
  it('decodes a JsCantonError into a message naming endpoint, code and a hint', () => {
    const e = ledgerError('POST', 'http://h/v2/users', 404, err('USER_NOT_FOUND', 'no such user'));
    expect(e.message).toBe('POST http://h/v2/users failed with 404 USER_NOT_FOUND: no such user');
    expect(e.hint).toMatch(/users create/);
    expect(e.data).toMatchObject({ status: 404, code: 'USER_NOT_FOUND' });
  });
  it('handles non-Canton bodies', () => {
    expect(asCantonError({ foo: 1 })).toBeUndefined();
    expect(ledgerError('GET', 'http://h/x', 502, 'bad gateway').message).toContain('502: bad gateway');
  });
});

describe('client', () => {
  it('retries 5xx and 503 then succeeds', async () => {
    let n = 0;
    const { f, calls } = fakeFetch(() => (++n < 3 ? { status: n === 1 ? 503 : 500, body: err('INTERNAL') } : { status: 200, body: { partyDetails: [{ party: 'A::1', isLocal: true }] } }));
    const c = createLedgerClient({ baseUrl: 'http://h:1', fetch: f });
    expect((await c.listParties()).map((p) => p.party)).toEqual(['A::1']);
    expect(calls).toHaveLength(3);
  });
  it('does not retry a 4xx and names the endpoint', async () => {
    const { f, calls } = fakeFetch(() => ({ status: 400, body: err('INVALID_ARGUMENT', 'bad id') }));
    const c = createLedgerClient({ baseUrl: 'http://h:1', fetch: f });
    await expect(c.listRights('u')).rejects.toMatchObject({ message: expect.stringContaining('GET http://h:1/v2/users/u/rights failed with 400 INVALID_ARGUMENT') });
    expect(calls).toHaveLength(1);
  });
  it('gives up after the retry budget with the last error', async () => {
    const { f, calls } = fakeFetch(() => ({ status: 503, body: err('UNAVAILABLE') }));
    const c = createLedgerClient({ baseUrl: 'http://h:1', fetch: f, retries: 2 });
    await expect(c.listUsers()).rejects.toMatchObject({ message: expect.stringContaining('503') });
    expect(calls).toHaveLength(3);
  });
  it('createUser: 409 USER_ALREADY_EXISTS means "exists", and sends the bearer token', async () => {
    const { f, calls } = fakeFetch(() => ({ status: 409, body: err('USER_ALREADY_EXISTS') }));
    const c = createLedgerClient({ baseUrl: 'http://h:1', fetch: f, token: 'tok' });
    expect(await c.createUser({ id: 'u' }, [actAs('A::1')])).toEqual({ created: false });
    expect(calls[0]!.headers.authorization).toBe('Bearer tok');
    expect(calls[0]!.body).toMatchObject({ user: { id: 'u' }, rights: [{ kind: { CanActAs: { value: { party: 'A::1' } } } }] });
  });
  // Issue 14 item 9: gRPC ABORTED maps to 409 too; only the code says the user exists.
  it.each(['ABORTED', 'CONCURRENT_USER_UPDATE_DETECTED', undefined])('createUser: a 409 with code %s is an error, not "exists"', async (code) => {
    const { f } = fakeFetch(() => ({ status: 409, body: code ? { ...err(code), errorCategory: 2 } : { cause: 'conflict' } }));
    const c = createLedgerClient({ baseUrl: 'http://h:1', fetch: f });
    await expect(c.createUser({ id: 'u' }, [])).rejects.toMatchObject({ message: expect.stringContaining('POST http://h:1/v2/users failed with 409') });
  });
  it('getUser: 404 is undefined; filter-party reaches the query string; pages are followed', async () => {
    const { f, calls } = fakeFetch((m, path) => {
      if (path.startsWith('/v2/users/')) return { status: 404, body: err('USER_NOT_FOUND') };
      if (path.includes('pageToken=p2')) return { status: 200, body: { partyDetails: [{ party: 'B::2' }] } };
      return { status: 200, body: { partyDetails: [{ party: 'A::1' }], nextPageToken: 'p2' } };
    });
    const c = createLedgerClient({ baseUrl: 'http://h:1', fetch: f });
    expect(await c.getUser('nobody')).toBeUndefined();
    expect((await c.listParties('A::1')).map((p) => p.party)).toEqual(['A::1', 'B::2']);
    expect(calls[1]!.url).toContain('filter-party=A%3A%3A1');
  });
});
