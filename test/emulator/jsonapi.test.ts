// JSON Ledger API v2 of the emulator: success and error statuses per endpoint, JsCantonError shape,
// faults (5xx rate) and the request log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FAKE_DAR, startDaemon, waitFor, type Daemon } from './harness.js';

let d: Daemon;
let base: string;
let issuer: string;
beforeAll(async () => {
  d = await startDaemon({ env: { CANTON_EMULATOR_REQUEST_LOG: '/dev/null' } });
  base = d.json(0);
  // stdout may arrive a moment after the ports file: wait for the line rather than race it.
  issuer = (await waitFor(() => /Issuer: {2}(\S+)/.exec(d.out()) ?? undefined, 5_000, 'the Issuer line'))[1]!;
});
afterAll(async () => { await d?.stop(); });

const req = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
};
const expectCantonError = (j: any, code: string, category: number) => {
  expect(j).toMatchObject({ code, errorCategory: category });
  for (const k of ['cause', 'correlationId', 'traceId', 'context', 'resources', 'grpcCodeValue']) expect(j).toHaveProperty(k);
};

describe('health and misc', () => {
  test('livez, readyz, version, ledger-end, participant-id', async () => {
    const l = await fetch(`${base}/livez`);
    expect(l.status).toBe(200);
    expect(l.headers.get('content-type')).toMatch(/^text\/plain/);
    const r = await req('GET', '/readyz');
    expect(r.status).toBe(200);
    expect(r.text).toBe('[+] ledger ok (SERVING)\nreadyz check passed\n');
    const v = await req('GET', '/v2/version');
    expect(v.json.version).toBe('3.4.11');
    expect(v.json.features.userManagement.maxUsersPageSize).toBe(1000);
    const e = await req('GET', '/v2/state/ledger-end');
    expect(typeof e.json.offset).toBe('number');
    const p = await req('GET', '/v2/parties/participant-id');
    expect(p.json.participantId).toMatch(/^participant1::1220[0-9a-f]{64}$/);
    expect(issuer.split('::')[1]).toBe(p.json.participantId.split('::')[1]);
  });

  test('405, 404, bad JSON 400', async () => {
    expect((await req('DELETE', '/v2/version')).status).toBe(405);
    expect((await req('GET', '/v2/nope')).status).toBe(404);
    const b = await req('POST', '/v2/users', '{not json');
    expect(b.status).toBe(400);
    expectCantonError(b.json, 'INVALID_ARGUMENT', 8);
  });
});

describe('parties', () => {
  test('list with filter and pagination; allocate; duplicate hint is 400', async () => {
    const all = await req('GET', '/v2/parties');
    const ids = all.json.partyDetails.map((p: any) => p.party);
    expect(ids).toContain(issuer);
    expect(all.json.partyDetails.find((p: any) => p.party === issuer).isLocal).toBe(true);
    expect(all.json.partyDetails.find((p: any) => p.party.startsWith('Depositor::')).isLocal).toBe(false);
    const f = await req('GET', '/v2/parties?filter-party=' + encodeURIComponent(issuer));
    expect(f.json.partyDetails.map((p: any) => p.party)).toEqual([issuer]);
    const a = await req('POST', '/v2/parties', { partyIdHint: 'alice' });
    expect(a.status).toBe(200);
    expect(a.json.partyDetails.party).toMatch(/^alice::1220[0-9a-f]{64}$/);
    const dup = await req('POST', '/v2/parties', { partyIdHint: 'alice' });
    expect(dup.status).toBe(400);
    expectCantonError(dup.json, 'INVALID_ARGUMENT', 8);
    const p1 = await req('GET', '/v2/parties?pageSize=1');
    expect(p1.json.partyDetails).toHaveLength(1);
    const p2 = await req('GET', `/v2/parties?pageSize=1&pageToken=${encodeURIComponent(p1.json.nextPageToken)}`);
    expect(p2.json.partyDetails[0].party).not.toBe(p1.json.partyDetails[0].party);
  });
});

describe('users and rights', () => {
  const right = (party: string) => ({ kind: { CanActAs: { value: { party } } } });
  test('create, 409 duplicate, get, 404, list paging, patch, rights grant/list/revoke, delete', async () => {
    const c = await req('POST', '/v2/users', { user: { id: 'issuer-user', primaryParty: issuer, isDeactivated: false, identityProviderId: '' }, rights: [right(issuer)] });
    expect(c.status).toBe(200);
    expect(c.json.user).toMatchObject({ id: 'issuer-user', primaryParty: issuer, isDeactivated: false });
    const dup = await req('POST', '/v2/users', { user: { id: 'issuer-user' } });
    expect(dup.status).toBe(409);
    expectCantonError(dup.json, 'USER_ALREADY_EXISTS', 10);
    expect((await req('GET', '/v2/users/issuer-user')).json.user.id).toBe('issuer-user');
    const nf = await req('GET', '/v2/users/ghost');
    expect(nf.status).toBe(404);
    expectCantonError(nf.json, 'USER_NOT_FOUND', 11);
    await req('POST', '/v2/users', { user: { id: 'zz-user' } });
    const l1 = await req('GET', '/v2/users?pageSize=1');
    expect(l1.json.users).toHaveLength(1);
    expect(l1.json.nextPageToken).not.toBe('');
    const all = await req('GET', '/v2/users');
    expect(all.json.users.map((u: any) => u.id)).toEqual(['issuer-user', 'participant_admin', 'zz-user']);
    expect(all.json.nextPageToken).toBe('');
    const pa = await req('PATCH', '/v2/users/zz-user', { user: { id: 'zz-user', isDeactivated: true }, updateMask: { paths: ['is_deactivated'] } });
    expect(pa.json.user.isDeactivated).toBe(true);
    expect((await req('PATCH', '/v2/users/zz-user', { user: { id: 'zz-user' }, updateMask: { paths: [] } })).status).toBe(400);
    const g = await req('POST', '/v2/users/issuer-user/rights', { userId: 'issuer-user', rights: [right(issuer), { kind: { ParticipantAdmin: { value: {} } } }] });
    expect(g.json.newlyGrantedRights).toEqual([{ kind: { ParticipantAdmin: { value: {} } } }]);
    expect((await req('GET', '/v2/users/issuer-user/rights')).json.rights).toHaveLength(2);
    const rv = await req('PATCH', '/v2/users/issuer-user/rights', { userId: 'issuer-user', rights: [{ kind: { ParticipantAdmin: { value: {} } } }] });
    expect(rv.json.newlyRevokedRights).toHaveLength(1);
    expect((await req('POST', '/v2/users/ghost/rights', { userId: 'ghost', rights: [] })).status).toBe(404);
    expect((await req('POST', '/v2/users/issuer-user/rights', { userId: 'x', rights: [{ kind: { Bogus: {} } }] })).status).toBe(400);
    expect((await req('DELETE', '/v2/users/zz-user')).status).toBe(200);
    expect((await req('DELETE', '/v2/users/zz-user')).status).toBe(404);
  });
});

describe('packages, commands, ACS', () => {
  test('DAR upload via /v2/dars and /v2/packages, package list, non-zip rejected', async () => {
    const up = await fetch(`${base}/v2/dars`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: FAKE_DAR });
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({});
    const bad = await fetch(`${base}/v2/packages`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: 'hello' });
    expect(bad.status).toBe(400);
    expect((await req('GET', '/v2/packages')).json.packageIds).toHaveLength(1);
  });

  test('submit-and-wait creates a contract seen by stakeholders on both participants; ACS, 413 and limit', async () => {
    const depositor = /Depositor: (\S+)/.exec(d.out())![1]!;
    const end0 = (await req('GET', '/v2/state/ledger-end')).json.offset;
    const s = await req('POST', '/v2/commands/submit-and-wait', {
      commands: [{ CreateCommand: { templateId: '#canton-mpc-poc:Vault:PendingDeposit', createArguments: { issuer, depositor, amount: '10.0' } } }],
      commandId: 'cmd-1', actAs: [issuer], userId: 'issuer-user',
    });
    expect(s.status).toBe(200);
    expect(s.json.updateId).toMatch(/^1220/);
    expect(s.json.completionOffset).toBeGreaterThan(end0);
    const acsBody = (party: string) => ({ activeAtOffset: 0, eventFormat: { filtersByParty: { [party]: { cumulative: [{ identifierFilter: { WildcardFilter: { value: { includeCreatedEventBlob: false } } } }] } }, verbose: true } });
    const acs = await req('POST', '/v2/state/active-contracts', acsBody(issuer));
    expect(acs.status).toBe(200);
    expect(acs.json).toHaveLength(1);
    expect(acs.json[0].contractEntry.JsActiveContract.createdEvent).toMatchObject({ signatories: [issuer], observers: [depositor], templateId: '#canton-mpc-poc:Vault:PendingDeposit' });
    // participant2 hosts the observer and sees the contract too
    const other = await fetch(`${d.json(1)}/v2/state/active-contracts`, { method: 'POST', body: JSON.stringify(acsBody(depositor)) });
    expect(await other.json()).toHaveLength(1);
    expect((await req('POST', '/v2/commands/submit-and-wait', { commands: [], commandId: 'x', actAs: [issuer], userId: 'u' })).status).toBe(400);
    // participant1 does not host Depositor: NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT, category
    // InvalidGivenCurrentSystemStateResourceMissing → NOT_FOUND → 404 (TransactionRoutingError.scala).
    expect((await req('POST', '/v2/commands/submit-and-wait', { commands: [{ CreateCommand: { templateId: 'a:B:C', createArguments: {} } }], commandId: 'x', actAs: [depositor], userId: 'u' })).status).toBe(404);
    for (let i = 0; i < 201; i++) {
      await req('POST', '/v2/commands/submit-and-wait', { commands: [{ CreateCommand: { templateId: 'a:B:C', createArguments: { owner: issuer, n: i } } }], commandId: `c${i}`, actAs: [issuer], userId: 'issuer-user' });
    }
    const big = await req('POST', '/v2/state/active-contracts', acsBody(issuer));
    expect(big.status).toBe(413);
    const lim = await req('POST', '/v2/state/active-contracts?limit=5', acsBody(issuer));
    expect(lim.status).toBe(200);
    expect(lim.json).toHaveLength(5);
  });
});

describe('faults and request log', () => {
  test('CANTON_EMULATOR_JSON_5XX_RATE with a seed: deterministic 503s on /v2/*, health untouched; request log NDJSON', async () => {
    const run = async () => {
      const e = await startDaemon({ env: { CANTON_EMULATOR_JSON_5XX_RATE: '0.5', CANTON_EMULATOR_SEED: '42', CANTON_EMULATOR_REQUEST_LOG: 'requests.ndjson' } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++) statuses.push((await fetch(`${e.json()}/v2/version`)).status);
        const r503 = await fetch(`${e.json()}/v2/version`).then(async (r) => ({ s: r.status, j: await r.json() }));
        for (let i = 0; i < 5; i++) expect((await fetch(`${e.json()}/livez`)).status).toBe(200);
        const lines = readFileSync(join(e.cwd, 'requests.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        return { statuses, r503, lines };
      } finally { await e.stop(); }
    };
    const a = await run();
    const b = await run();
    expect(a.statuses).toEqual(b.statuses);
    expect(a.statuses.filter((s) => s === 503).length).toBeGreaterThan(3);
    expect(a.statuses.filter((s) => s === 200).length).toBeGreaterThan(3);
    if (a.r503.s === 503) expect(a.r503.j).toMatchObject({ errorCategory: 1, grpcCodeValue: 14 });
    expect(a.lines[0]).toMatchObject({ node: 'participant1', method: 'GET', path: '/v2/version' });
    expect(a.lines.filter((l) => l.method !== 'GET')).toHaveLength(0); // "no mutating calls"
    expect(a.lines.map((l) => l.status).slice(0, 20)).toEqual(a.statuses);
  });
});
