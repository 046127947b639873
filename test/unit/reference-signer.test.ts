// The pure parts of examples/reference-signer: configuration, backoff, command ids, template
// matching, stream messages and the offset file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { commandIdFor, sameTemplate } from '../../examples/reference-signer/src/act.js';
import { ConfigProblem, loadConfig } from '../../examples/reference-signer/src/config.js';
import { OffsetStore } from '../../examples/reference-signer/src/offset.js';
import { backoffMs, toItem } from '../../examples/reference-signer/src/stream.js';

const BASE = { CANTON_MPC_JSON_API: 'http://127.0.0.1:5013', CANTON_MPC_USER_ID: 'issuer-user', CANTON_MPC_PARTY: 'Issuer::1220ab' };

describe('loadConfig', () => {
  test('takes only what canton-mpc provides, with defaults for the rest', () => {
    const c = loadConfig(BASE, '/srv/signer');
    expect(c).toMatchObject({ userId: 'issuer-user', party: 'Issuer::1220ab', tokenFile: undefined, caFile: undefined, choice: 'ClaimDeposit', offsetFile: '/srv/signer/signer-offset.json', stream: 'auto' });
    expect(c.jsonApi.href).toBe('http://127.0.0.1:5013/');
    const t = loadConfig({ ...BASE, CANTON_MPC_TOKEN_FILE: 'tok', CANTON_MPC_CA_FILE: '/ca.crt', SIGNER_CHOICE_ARGUMENT: '{"a":1}' }, '/srv');
    expect(t).toMatchObject({ tokenFile: '/srv/tok', caFile: '/ca.crt', choiceArgument: { a: 1 } });
  });
  test.each([
    [{ CANTON_MPC_JSON_API: undefined }, /CANTON_MPC_JSON_API is not set/],
    [{ CANTON_MPC_JSON_API: 'ftp://x' }, /expected http:\/\/ or https:\/\//],
    [{ CANTON_MPC_JSON_API: 'not a url' }, /is not a URL/],
    [{ CANTON_MPC_PARTY: '' }, /CANTON_MPC_PARTY is not set/],
    [{ SIGNER_CHOICE_ARGUMENT: '{' }, /SIGNER_CHOICE_ARGUMENT is not JSON/],
    [{ SIGNER_STREAM: 'grpc' }, /SIGNER_STREAM=grpc/],
    [{ SIGNER_REQUEST_TIMEOUT_MS: '0' }, /SIGNER_REQUEST_TIMEOUT_MS=0: expected an integer >= 1/],
  ])('%o is refused', (patch, msg) => {
    expect(() => loadConfig({ ...BASE, ...patch } as NodeJS.ProcessEnv, '/')).toThrow(ConfigProblem);
    expect(() => loadConfig({ ...BASE, ...patch } as NodeJS.ProcessEnv, '/')).toThrow(msg);
  });
});

describe('backoffMs (full jitter)', () => {
  test.each([[0, 100], [1, 200], [3, 800], [5, 3200], [6, 5000], [40, 5000]])('attempt %i: uniform in [0, %i) ms (base 100, max 5000)', (attempt, cap) => {
    expect(backoffMs(attempt, 100, 5000, () => 0)).toBe(0);
    expect(backoffMs(attempt, 100, 5000, () => 0.5)).toBe(Math.floor(cap / 2));
    expect(backoffMs(attempt, 100, 5000, () => 0.999)).toBe(Math.floor(cap * 0.999));
  });
});

describe('command ids and templates', () => {
  test('the command id is derived from the choice and the contract, nothing else', () => {
    expect(commandIdFor('ClaimDeposit', '00abc')).toBe('ClaimDeposit-00abc');
    expect(commandIdFor('ClaimDeposit', '00abc')).toBe(commandIdFor('ClaimDeposit', '00abc'));
  });
  test.each([
    ['#canton-mpc-poc:Erc20Vault:PendingDeposit', '#canton-mpc-poc:Erc20Vault:PendingDeposit', true],
    ['5f3e:Erc20Vault:PendingDeposit', '#canton-mpc-poc:Erc20Vault:PendingDeposit', true],
    ['5f3e:Erc20Vault:PendingWithdrawal', '#canton-mpc-poc:Erc20Vault:PendingDeposit', false],
    ['5f3e:Erc20Vault:PendingDeposit', '6a00:Erc20Vault:PendingDeposit', false],
  ])('%s matches %s: %s', (actual, configured, ok) => expect(sameTemplate(actual, configured)).toBe(ok));
});

describe('toItem', () => {
  test.each([
    [{ update: { OffsetCheckpoint: { value: { offset: 7, synchronizerTimes: [] } } } }, { kind: 'checkpoint', offset: 7 }],
    [{ update: { Transaction: { value: { offset: 9, events: [{ CreatedEvent: { contractId: 'c1', templateId: 't', createArgument: {}, offset: 9 } }, { ArchivedEvent: { contractId: 'c0' } }] } } } },
      { kind: 'transaction', offset: 9, created: [{ contractId: 'c1', templateId: 't', createArgument: {}, offset: 9 }] }],
    [{ update: { TopologyTransaction: { value: { offset: 3 } } } }, null],
    [{ code: 'X' }, null],
  ])('%j', (msg, item) => expect(toItem(msg)).toEqual(item));
});

describe('OffsetStore', () => {
  test('saves and loads atomically; refuses another participant\'s offset', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'sig-off-')), 'o.json');
    const s = new OffsetStore(f, 'participant1::1220aa');
    expect(s.load()).toBeUndefined();
    s.save(42);
    expect(s.load()).toBe(42);
    expect(() => new OffsetStore(f, 'participant2::1220bb').load()).toThrow(/holds an offset of participant1::1220aa, not of participant2::1220bb/);
    writeFileSync(f, JSON.stringify({ offset: -1, participant: 'participant1::1220aa' }));
    expect(() => s.load()).toThrow(/not a non-negative integer/);
  });
});
