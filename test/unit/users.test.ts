import { describe, expect, it } from 'vitest';
import { convergeUser, userConverged } from '../../src/ledger/users.js';
import { rightKey, type Right } from '../../src/ledger/rights.js';
import type { LedgerClient } from '../../src/ledger/client.js';
import { parseUsersFile, requestFromFlags } from '../../src/commands/users-create.js';

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

describe('users create input', () => {
  it('flags: act-as and read-as default to --party', () => {
    expect(requestFromFlags({ participant: 'p1', user: 'u', party: 'Issuer' })).toEqual({ participant: 'p1', user: 'u', party: 'Issuer', actAs: ['Issuer'], readAs: ['Issuer'], participantAdmin: false });
    expect(() => requestFromFlags({ user: 'u' })).toThrow(/--participant/);
  });
  it('users.yaml: a list or a users: list; bad entries are located', () => {
    const a = parseUsersFile('- {participant: p1, user: a, party: Issuer}\n- {participant: p2, id: b, actAs: [X], readAs: Y, participantAdmin: true}\n', 'u.yaml');
    expect(a).toEqual([
      { participant: 'p1', user: 'a', party: 'Issuer', actAs: ['Issuer'], readAs: ['Issuer'], participantAdmin: false },
      { participant: 'p2', user: 'b', party: undefined, actAs: ['X'], readAs: ['Y'], participantAdmin: true },
    ]);
    expect(parseUsersFile('users:\n  - participant: p1\n    user: c\n', 'u.yaml')[0]!.user).toBe('c');
    expect(() => parseUsersFile('users:\n  - participant: p1\n', 'u.yaml')).toThrow(/users\[0\]/);
  });
});
