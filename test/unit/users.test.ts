import { describe, expect, it } from 'vitest';
import { convergeUser, convergeUsers, mapBounded, userConverged, USERS_IN_FLIGHT_PER_PARTICIPANT } from '../../src/ledger/users.js';
import { rightKey, type Right } from '../../src/ledger/rights.js';
import type { LedgerClient } from '../../src/ledger/client.js';
import { createUsers, requestFromFlags } from '../../src/commands/users-create.js';
import { parseUsersFile } from '../../src/config/users-file.js';
import { listUsersWithRights, RIGHTS_IN_FLIGHT_PER_PARTICIPANT } from '../../src/commands/users-list.js';
import { RemoteError } from '../../src/errors.js';
import type { Topology } from '../../src/config/types.js';

/** An in-memory participant: users and rights, with optional failures injected before the effect. */
function fakeLedger(opts: { failEvery?: number } = {}) {
  const users = new Map<string, Right[]>();
  let calls = 0;
  const maybeFail = () => {
    calls++;
    if (opts.failEvery && calls % opts.failEvery === 0) throw new Error('injected 5xx after retries');
  };
  const client: LedgerClient = {
    baseUrl: 'fake',
    listParties: async () => [],
    allocateParty: async () => ({ party: 'x' }),
    listUsers: async () => [...users.keys()].map((id) => ({ id })),
    getUser: async (id) => (users.has(id) ? { id } : undefined),
    createUser: async (u, rights) => {
      maybeFail();
      if (users.has(u.id)) return { created: false };
      users.set(u.id, [...rights]);
      return { created: true };
    },
    listRights: async (id) => [...(users.get(id) ?? [])],
    grantRights: async (id, rights) => {
      maybeFail();
      const have = users.get(id)!;
      const keys = new Set(have.map(rightKey));
      const added = rights.filter((r) => !keys.has(rightKey(r)));
      have.push(...added);
      return added;
    },
  };
  return { client, users };
}

const want = { id: 'alice', primaryParty: 'A::1', actAs: ['A::1'], readAs: ['B::2'], participantAdmin: false };

describe('convergeUser', () => {
  it('creates a missing user with exactly the desired rights', async () => {
    const l = fakeLedger();
    const r = await convergeUser(l.client, want);
    expect(r.created).toBe(true);
    expect(l.users.get('alice')!.map(rightKey).sort()).toEqual(['CanActAs:A::1', 'CanReadAs:B::2']);
  });
  it('an existing user gets only its missing rights; a second run changes nothing', async () => {
    const l = fakeLedger();
    l.users.set('alice', [{ kind: { CanActAs: { value: { party: 'A::1' } } } }, { kind: { CanReadAs: { value: { party: 'Z::9' } } } }]);
    const r1 = await convergeUser(l.client, want);
    expect(r1).toMatchObject({ created: false });
    expect(r1.granted.map(rightKey)).toEqual(['CanReadAs:B::2']);
    expect(r1.extra.map(rightKey)).toEqual(['CanReadAs:Z::9']);
    const r2 = await convergeUser(l.client, want);
    expect(r2.granted).toEqual([]);
    expect(l.users.get('alice')!.map(rightKey)).toEqual(['CanActAs:A::1', 'CanReadAs:Z::9', 'CanReadAs:B::2']);
    expect(await userConverged(l.client, want)).toBe(true);
  });
  it('repeating after failures converges without duplicates', async () => {
    const l = fakeLedger({ failEvery: 2 });
    for (let i = 0; i < 5; i++) await convergeUser(l.client, want).catch(() => undefined);
    expect(await userConverged(l.client, want)).toBe(true);
    const keys = l.users.get('alice')!.map(rightKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

const CTX = { participants: ['p1', 'p2'], parties: { Issuer: { participant: 'p1' }, Depositor: { participant: 'p2' } } };

describe('users create input', () => {
  it('flags: act-as and read-as default to --party', () => {
    expect(requestFromFlags({ participant: 'p1', user: 'u', party: 'Issuer' })).toEqual({ participant: 'p1', user: 'u', party: 'Issuer', actAs: ['Issuer'], readAs: ['Issuer'], participantAdmin: false });
    expect(() => requestFromFlags({ user: 'u' })).toThrow(/--participant/);
  });
  it('flags get the config checks: user-id alphabet, party hosted on the participant', () => {
    expect(() => requestFromFlags({ participant: 'p1', user: 'bad user', party: 'Issuer' }, { ...CTX, outsideConfig: true })).toThrow(/--user: user id "bad user" is not a valid Canton user id/);
    expect(() => requestFromFlags({ participant: 'p1', user: 'u', party: 'Depositor' }, { ...CTX, outsideConfig: true })).toThrow(/--party: party Depositor is hosted on p2, but user u is on p1/);
  });
  it('users.yaml: a list or a users: list; bad entries are located', async () => {
    const a = await parseUsersFile('- {participant: p1, user: a, party: Issuer}\n- {participant: p2, id: b, actAs: [X], readAs: Y, participantAdmin: true}\n', 'u.yaml', CTX);
    expect(a).toEqual([
      { participant: 'p1', user: 'a', party: 'Issuer', actAs: ['Issuer'], readAs: ['Issuer'], participantAdmin: false },
      { participant: 'p2', user: 'b', actAs: ['X'], readAs: ['Y'], participantAdmin: true },
    ]);
    expect((await parseUsersFile('users:\n  - participant: p1\n    user: c\n', 'u.yaml', CTX))[0]!.user).toBe('c');
    await expect(parseUsersFile('users:\n  - participant: p1\n', 'u.yaml', CTX)).rejects.toThrow(/u\.yaml:2:5 users\.0: needs `user`/);
  });
  // Issue 14 item 11: the config's own `users:` map, with the config's defaults and checks.
  it("users.yaml: the config's users: map, primaryParty's host as the default participant", async () => {
    const r = await parseUsersFile('users:\n  issuer-user: { primaryParty: Issuer }\n  ops: { participant: p2, participantAdmin: true }\n', 'u.yaml', CTX);
    expect(r).toEqual([
      { participant: 'p1', user: 'issuer-user', party: 'Issuer', actAs: ['Issuer'], readAs: ['Issuer'], participantAdmin: false },
      { participant: 'p2', user: 'ops', actAs: [], readAs: [], participantAdmin: true },
    ]);
  });
  it.each([
    ['a user id outside the alphabet (map)', 'users:\n  "bad user": { participant: p1 }\n', /u\.yaml:2:3 users\.bad user: user id "bad user" is not a valid Canton user id/],
    ['a user id outside the alphabet (list)', '- { participant: p1, user: "a/b" }\n', /u\.yaml:1:28 0\.user: user id "a\/b" is not a valid Canton user id/],
    ['a party hosted on another participant', 'users:\n  u: { participant: p1, actAs: [Depositor] }\n', /users\.u\.actAs\.0: party Depositor is hosted on p2, but user u is on p1/],
    ['an unknown participant', '- { participant: p9, user: u }\n', /0\.participant: user u is on unknown participant "p9"/],
    ['an unknown key (map, strict like the config)', 'users:\n  u: { participant: p1, actas: [Issuer] }\n', /users\.u/],
    ['the same user twice', '- { participant: p1, user: u }\n- { participant: p1, user: u }\n', /user u on p1 is listed twice/],
    ['neither a list nor a map', 'users: 3\n', /must hold users/],
    ['not YAML at all', 'users:\n  - { participant: p1\n', /u\.yaml:\d+:\d+ not valid YAML/],
    ['a duplicate key', 'users:\n  u: { participant: p1 }\n  u: { participant: p2 }\n', /u\.yaml:3:\d+ not valid YAML/],
  ])('users.yaml refused with file:line: %s', async (_n, text, msg) => {
    await expect(parseUsersFile(text, 'u.yaml', CTX)).rejects.toThrow(msg);
  });
});

describe('batch convergence (issue 14 item 11)', () => {
  /** A participant that answers after `delayMs` and records how many requests were in flight at most. */
  function slowLedger(delayMs: number) {
    const l = fakeLedger();
    let inFlight = 0;
    let max = 0;
    let partyListings = 0;
    const slow = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, delayMs));
      try { return await f(...a); } finally { inFlight--; }
    };
    const client: LedgerClient = {
      ...l.client,
      createUser: slow(l.client.createUser),
      listRights: slow(l.client.listRights),
      grantRights: slow(l.client.grantRights),
      listParties: slow(async () => { partyListings++; return [{ party: 'Issuer::1220aa', isLocal: true }, { party: 'Other::1220bb', isLocal: false }]; }),
    };
    return { client, users: l.users, max: () => max, listings: () => partyListings };
  }

  it('at most 8 requests in flight per participant, participants in parallel, results in input order', async () => {
    const a = slowLedger(5);
    const b = slowLedger(5);
    const items = Array.from({ length: 40 }, (_, i) => ({ participant: i % 2 ? 'p2' : 'p1', want: { id: `u${i}`, actAs: [], readAs: [], participantAdmin: false } }));
    const r = await convergeUsers(items, (p) => (p === 'p1' ? a.client : b.client));
    expect(r.map((x) => x.id)).toEqual(items.map((x) => x.want.id));
    expect(r.every((x) => x.created)).toBe(true);
    expect(a.max()).toBe(USERS_IN_FLIGHT_PER_PARTICIPANT);
    expect(b.max()).toBe(USERS_IN_FLIGHT_PER_PARTICIPANT);
    expect(a.users.size + b.users.size).toBe(40);
  });

  it('one party listing per participant for 50 users of one party; a party not hosted there is refused before any write', async () => {
    const l = slowLedger(1);
    const t = { participants: [{ name: 'p1', kind: 'participant', address: '127.0.0.1', ports: { ledger: 1, admin: 2, json: 3 }, storage: { type: 'memory' } }] } as unknown as Topology;
    const reqs = Array.from({ length: 50 }, (_, i) => ({ participant: 'p1', user: `u${i}`, party: 'Issuer', actAs: ['Issuer'], readAs: [], participantAdmin: false }));
    const r = await createUsers(t, undefined, reqs, undefined, { client: () => l.client });
    expect(r).toHaveLength(50);
    expect(l.listings()).toBe(1);
    expect(r[0]!.want.actAs).toEqual(['Issuer::1220aa']);
    const bad = [...reqs.slice(0, 3), { participant: 'p1', user: 'x', actAs: ['Other'], readAs: [], participantAdmin: false }];
    const l2 = slowLedger(1);
    await expect(createUsers(t, undefined, bad, undefined, { client: () => l2.client })).rejects.toThrow(/party Other is known on p1 but not hosted there/);
    expect(l2.users.size).toBe(0);
  });

  it('mapBounded reports the first error only after every item ran', async () => {
    const seen: number[] = [];
    await expect(mapBounded([1, 2, 3, 4], 2, async (n) => { seen.push(n); if (n === 1) throw new Error('one'); return n; })).rejects.toThrow('one');
    expect(seen.sort()).toEqual([1, 2, 3, 4]);
  });
});

describe('users list: rights requests bounded per participant', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** `users` on a participant whose rights answers take 0-4 ms in a scrambled order; counts what is in flight. */
  function listingLedger(users: string[], opts: { failOn?: string; goneOn?: string } = {}) {
    let inFlight = 0;
    let max = 0;
    const asked: string[] = [];
    const client = {
      ...fakeLedger().client,
      listUsers: async () => users.map((id) => ({ id, primaryParty: '' })),
      listRights: async (id: string): Promise<Right[]> => {
        asked.push(id);
        inFlight++;
        max = Math.max(max, inFlight);
        try {
          await wait((users.indexOf(id) * 7) % 5);
          if (id === opts.goneOn) throw new RemoteError(`GET http://p/v2/users/${id}/rights failed with 404 USER_NOT_FOUND: no such user`, { where: `GET http://p/v2/users/${id}/rights`, data: { status: 404, code: 'USER_NOT_FOUND' } });
          if (id === opts.failOn) throw new RemoteError(`GET http://p/v2/users/${id}/rights failed with 503`, { where: `GET http://p/v2/users/${id}/rights`, hint: 'retry later' });
          return [{ kind: { CanReadAs: { value: { party: `${id}::1220` } } } }];
        } finally {
          inFlight--;
        }
      },
    } satisfies LedgerClient;
    return { client, max: () => max, asked };
  }
  const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

  it(`at most ${RIGHTS_IN_FLIGHT_PER_PARTICIPANT} in flight on each participant, rows in participant then listing order`, async () => {
    const a = listingLedger(ids(100, 'a'));
    const b = listingLedger(ids(40, 'b'));
    const rows = await listUsersWithRights(['p1', 'p2'], (p) => (p === 'p1' ? a.client : b.client));
    expect(rows.map((r) => `${r.participant}/${r.id}`)).toEqual([...ids(100, 'a').map((i) => `p1/${i}`), ...ids(40, 'b').map((i) => `p2/${i}`)]);
    expect(rows[5]).toEqual({ participant: 'p1', id: 'a005', primaryParty: undefined, rights: ['CanReadAs a005::1220'] });
    // Unbounded, all 100 (and 40) would be in flight at once.
    expect(a.max()).toBe(RIGHTS_IN_FLIGHT_PER_PARTICIPANT);
    expect(b.max()).toBe(RIGHTS_IN_FLIGHT_PER_PARTICIPANT);
  });

  it('a user deleted between the listing and its rights request is left out, not an error', async () => {
    const l = listingLedger(ids(30), { goneOn: 'u007' });
    const rows = await listUsersWithRights(['participant1'], () => l.client);
    expect(rows.map((r) => r.id)).toEqual(ids(30).filter((i) => i !== 'u007'));
    expect(l.asked).toHaveLength(30);
  });

  it('a failure names the user and the participant, keeps the endpoint and exit code; no request starts after it', async () => {
    const l = listingLedger(ids(200), { failOn: 'u010' });
    const err = await listUsersWithRights(['participant1'], () => l.client).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'listing the rights of user u010 on participant1 failed: GET http://p/v2/users/u010/rights failed with 503', where: 'GET http://p/v2/users/u010/rights', exitCode: 5, hint: 'retry later', data: { user: 'u010', participant: 'participant1' } });
    expect(l.asked.length).toBeLessThan(10 + 2 * RIGHTS_IN_FLIGHT_PER_PARTICIPANT);
  });
});

describe('mapBounded', () => {
  it.each([1, 3, 16])('limit %i: never more in flight, every result at its input index', async (limit) => {
    let inFlight = 0;
    let max = 0;
    const items = Array.from({ length: 50 }, (_, i) => i);
    const out = await mapBounded(items, limit, async (n, i) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, (n * 13) % 4));
      inFlight--;
      return `${n}@${i}`;
    });
    expect(out).toEqual(items.map((n) => `${n}@${n}`));
    expect(max).toBe(limit);
  });
  it('failFast: nothing starts after an error, what runs settles; a limit below 1 still runs everything', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapBounded(Array.from({ length: 20 }, (_, i) => i), 4, async (n) => {
      started.push(n);
      await new Promise((r) => setTimeout(r, n === 1 ? 1 : 5));
      settled++;
      if (n === 1) throw new Error('one');
    }, { failFast: true });
    await expect(run).rejects.toThrow('one');
    // Item 1 fails first, while 0, 2 and 3 still run: they settle, nothing else starts (without failFast all 20 would).
    expect(started).toEqual([0, 1, 2, 3]);
    expect(settled).toBe(4);
    expect(await mapBounded([1, 2], 0, async (n) => n * 2)).toEqual([2, 4]);
  });
});
