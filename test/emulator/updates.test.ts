// The emulator's update service (POST /v2/updates, the /v2/updates WebSocket) and command
// deduplication, as a signer uses them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startDaemon, waitFor, type Daemon } from './harness.js';

let d: Daemon;
let base: string;
let issuer: string;
let depositor: string;
beforeAll(async () => {
  d = await startDaemon();
  base = d.json(0);
  issuer = /Issuer: {2}(\S+)/.exec(d.out())![1]!;
  depositor = /Depositor: (\S+)/.exec(d.out())![1]!;
});
afterAll(async () => { await d?.stop(); });

const post = async (path: string, body: unknown) => {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as any };
};
const TEMPLATE = '#canton-mpc-poc:Erc20Vault:PendingDeposit';
const create = (commandId: string, args: Record<string, unknown> = { issuer }) =>
  post('/v2/commands/submit-and-wait', { commands: [{ CreateCommand: { templateId: TEMPLATE, createArguments: args } }], commandId, actAs: [issuer], userId: 'test' });
const ledgerEnd = async () => ((await (await fetch(`${base}/v2/state/ledger-end`)).json()) as { offset: number }).offset;
const fmt = (party: string, shape = 'TRANSACTION_SHAPE_ACS_DELTA', templateId?: string) => ({
  includeTransactions: {
    transactionShape: shape,
    eventFormat: { filtersByParty: { [party]: { cumulative: templateId ? [{ identifierFilter: { TemplateFilter: { value: { templateId, includeCreatedEventBlob: false } } } }] : [] } }, verbose: false },
  },
});

describe('POST /v2/updates', () => {
  test('transactions after beginExclusive, filtered by party and template, command id on the submitter', async () => {
    const begin = await ledgerEnd();
    const a = await create('c-upd-1');
    expect(a.status).toBe(200);
    await create('c-upd-2', { issuer, note: 'other template' }).then((r) => expect(r.status).toBe(200));
    await post('/v2/commands/submit-and-wait', { commands: [{ CreateCommand: { templateId: '#canton-mpc-poc:Erc20Vault:Other', createArguments: { issuer } } }], commandId: 'c-upd-3', actAs: [issuer], userId: 'test' });
    const end = await ledgerEnd();
    const r = await post('/v2/updates', { beginExclusive: begin, endInclusive: end, updateFormat: fmt(issuer, 'TRANSACTION_SHAPE_ACS_DELTA', TEMPLATE) });
    expect(r.status).toBe(200);
    expect(r.json).toHaveLength(2);
    const tx = r.json[0].update.Transaction.value;
    expect(tx.commandId).toBe('c-upd-1');
    expect(tx.offset).toBeGreaterThan(begin);
    expect(tx.events[0].CreatedEvent).toMatchObject({ templateId: TEMPLATE, witnessParties: [issuer], createArgument: { issuer } });
    // The depositor is no stakeholder: nothing for it.
    const none = await post('/v2/updates', { beginExclusive: begin, endInclusive: end, updateFormat: fmt(depositor) });
    expect(none.json).toEqual([]);
  });

  test('ACS_DELTA hides a non-consuming exercise; LEDGER_EFFECTS shows it with its choice', async () => {
    await create('c-ex-0');
    const begin = await ledgerEnd();
    const acs = await post('/v2/state/active-contracts', { activeAtOffset: begin, eventFormat: { filtersByParty: { [issuer]: {} } } });
    const cid = acs.json.at(-1).contractEntry.JsActiveContract.createdEvent.contractId;
    const ex = await post('/v2/commands/submit-and-wait', { commands: [{ ExerciseCommand: { templateId: TEMPLATE, contractId: cid, choice: 'ClaimDeposit', choiceArgument: { mpcSignature: 'ab' } } }], commandId: `claim-${cid}`, actAs: [issuer], userId: 'test' });
    expect(ex.status).toBe(200);
    const end = await ledgerEnd();
    expect((await post('/v2/updates', { beginExclusive: begin, endInclusive: end, updateFormat: fmt(issuer) })).json).toEqual([]);
    const le = await post('/v2/updates', { beginExclusive: begin, endInclusive: end, updateFormat: fmt(issuer, 'TRANSACTION_SHAPE_LEDGER_EFFECTS') });
    expect(le.json).toHaveLength(1);
    expect(le.json[0].update.Transaction.value.events[0].ExercisedEvent).toMatchObject({ contractId: cid, choice: 'ClaimDeposit', consuming: false, actingParties: [issuer], choiceArgument: { mpcSignature: 'ab' } });
  });

  test('offsets after the ledger end are 400 OFFSET_AFTER_LEDGER_END; a missing format is MISSING_FIELD', async () => {
    const end = await ledgerEnd();
    const r = await post('/v2/updates', { beginExclusive: end + 5, updateFormat: fmt(issuer) });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'OFFSET_AFTER_LEDGER_END', errorCategory: 12 });
    const e = await post('/v2/updates', { beginExclusive: 0, endInclusive: end + 1, updateFormat: fmt(issuer) });
    expect(e.json.code).toBe('OFFSET_AFTER_LEDGER_END');
    expect((await post('/v2/updates', { beginExclusive: 0 })).json.code).toBe('MISSING_FIELD');
  });

  test('an open-ended request waits for new updates until idle (stream_idle_timeout_ms)', async () => {
    const begin = await ledgerEnd();
    const pending = post('/v2/updates?stream_idle_timeout_ms=400', { beginExclusive: begin, updateFormat: fmt(issuer) });
    await new Promise((r) => setTimeout(r, 100));
    await create('c-late-1');
    const r = await pending;
    expect(r.json.map((u: any) => u.update.Transaction.value.commandId)).toEqual(['c-late-1']);
  });

  test('more than 200 results without limit is 413; limit caps the list', async () => {
    const begin = await ledgerEnd();
    for (let i = 0; i < 201; i++) await create(`bulk-${i}`);
    const end = await ledgerEnd();
    const r = await post('/v2/updates', { beginExclusive: begin, endInclusive: end, updateFormat: fmt(issuer) });
    expect(r.status).toBe(413);
    expect(r.json.code).toBe('JSON_API_MAXIMUM_LIST_ELEMENTS_NUMBER_REACHED');
    const l = await fetch(`${base}/v2/updates?limit=5`, { method: 'POST', body: JSON.stringify({ beginExclusive: begin, endInclusive: end, updateFormat: fmt(issuer) }) });
    expect(((await l.json()) as unknown[]).length).toBe(5);
  }, 60_000);
});

describe('deduplication by (userId, commandId, actAs)', () => {
  test('the same change twice is 409 DUPLICATE_COMMAND; another user or command id is not', async () => {
    expect((await create('dedup-1')).status).toBe(200);
    const again = await create('dedup-1');
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'DUPLICATE_COMMAND', errorCategory: 10, cause: 'A command with the given command id has already been successfully processed' });
    const other = await post('/v2/commands/submit-and-wait', { commands: [{ CreateCommand: { templateId: TEMPLATE, createArguments: { issuer } } }], commandId: 'dedup-1', actAs: [issuer], userId: 'someone-else' });
    expect(other.status).toBe(200);
    const tx = await post('/v2/commands/submit-and-wait-for-transaction', { commands: { commands: [{ CreateCommand: { templateId: TEMPLATE, createArguments: { issuer } } }], commandId: 'dedup-2', actAs: [issuer], userId: 'test' } });
    expect(tx.status).toBe(200);
    const tx2 = await post('/v2/commands/submit-and-wait-for-transaction', { commands: { commands: [{ CreateCommand: { templateId: TEMPLATE, createArguments: { issuer } } }], commandId: 'dedup-2', actAs: [issuer], userId: 'test' } });
    expect(tx2.json.code).toBe('DUPLICATE_COMMAND');
  });
});

describe('WebSocket /v2/updates', () => {
  const open = (protocols: string[] = ['daml.ws.auth']) => new WebSocket(base.replace(/^http/, 'ws') + '/v2/updates', protocols);

  test('streams existing then new transactions, and an offset checkpoint when caught up', async () => {
    const begin = await ledgerEnd();
    await create('ws-1');
    const ws = open();
    const got: any[] = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ beginExclusive: begin, updateFormat: fmt(issuer) }));
    await waitFor(() => got.some((u) => u.update?.OffsetCheckpoint), 5_000, 'a checkpoint');
    await create('ws-2');
    await waitFor(() => got.filter((u) => u.update?.Transaction).length === 2, 5_000, 'the second transaction');
    expect(got.filter((u) => u.update?.Transaction).map((u) => u.update.Transaction.value.commandId)).toEqual(['ws-1', 'ws-2']);
    ws.close();
  });

  test('a bad request is answered with a JsCantonError message', async () => {
    const ws = open();
    const got: any[] = [];
    ws.on('message', (m) => got.push(JSON.parse(String(m))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ beginExclusive: 1e9, updateFormat: fmt(issuer) }));
    await waitFor(() => got.length > 0, 5_000, 'an error message');
    expect(got[0]).toMatchObject({ code: 'OFFSET_AFTER_LEDGER_END' });
  });
});

describe('WebSocket faults', () => {
  let cut: Daemon;
  beforeAll(async () => { cut = await startDaemon({ env: { CANTON_EMULATOR_WS_DROP_AFTER_MS: '300' } }); });
  afterAll(async () => { await cut?.stop(); });
  test('CANTON_EMULATOR_WS_DROP_AFTER_MS cuts the stream without a close frame', async () => {
    const ws = new WebSocket(cut.json(0).replace(/^http/, 'ws') + '/v2/updates', ['daml.ws.auth']);
    const t0 = Date.now();
    const code = await new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
    expect(code).toBe(1006); // abnormal closure: no close frame was sent
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });
});
