// Workflow 3, pure parts: the observation → pending steps and signers, the refusal naming an owner that
// is down, the request checks, the rendered script, the config section, and the error decoding (with the
// texts as the console prints them).
import { describe, expect, it, test } from 'vitest';
import { parseConfigText } from '../../src/config/parse.js';
import { toTopology } from '../../src/config/topology.js';
import { ConfigError, UserError } from '../../src/errors.js';
import { decentralRequest } from '../../src/commands/party-decentralize.js';
import { checkRequest, ownersDown, parseDecentralObservation, pendingSteps, signersFor, type DecentralObservation, type DecentralRequest } from '../../src/party/decentral-decide.js';
import { decodeDecentral } from '../../src/party/decentral-errors.js';
import { renderDecentralScript } from '../../src/party/decentral-script.js';
import { decodeCantonText } from '../../src/canton/errors-decode.js';

const fp = (c: string) => `1220${c.repeat(64)}`;
const OWNERS = ['participant1', 'participant2', 'participant3'];
const req = (r: Partial<DecentralRequest> = {}): DecentralRequest => ({ name: 'Vault', owners: OWNERS, previousOwners: [], threshold: 2, confirmationThreshold: 2, permission: 'Confirmation', partyToKey: false, ...r });
const uid = (n: string) => `${n}::${fp(n.slice(-1))}`;
/** Owners with keys and delegations as given; everything else absent. */
function obs(o: { keys?: string[]; delegated?: string[]; down?: string[]; dnd?: string[]; hosting?: { threshold: number; hosts: string[]; permission?: 'Confirmation' | 'Submission' }; p2k?: string[]; proto?: string[] } = {}): DecentralObservation {
  const owners = Object.fromEntries(['participant1', 'participant2', 'participant3', 'participant4'].map((n) => [n, {
    name: n, uid: uid(n), connected: !(o.down ?? []).includes(n), delegation: (o.delegated ?? []).includes(n),
    ...((o.keys ?? []).includes(n) ? { nsKey: fp(String.fromCharCode(96 + Number(n.slice(-1)))) } : {}),
    ...((o.proto ?? []).includes(n) ? { protoKey: fp(String(Number(n.slice(-1)) + 4)) } : {}),
  }]));
  return {
    owners, dndSignedBy: [], hostingSignedBy: [],
    ...(o.dnd ? { namespace: fp('f'), dnd: { threshold: 2, owners: o.dnd.map((n) => owners[n]!.nsKey!) } } : {}),
    ...(o.hosting ? { hosting: { threshold: o.hosting.threshold, hosts: o.hosting.hosts.map((n) => ({ uid: uid(n), permission: o.hosting!.permission ?? 'Confirmation', onboarding: false })) } } : {}),
    ...(o.p2k ? { partyToKey: { threshold: 2, keys: o.p2k.map((n) => owners[n]!.protoKey!) } } : {}),
  };
}
const ALL = { keys: OWNERS, delegated: OWNERS, dnd: OWNERS };

describe('pendingSteps: each step is pending exactly while its effect is missing', () => {
  test.each([
    ['nothing exists', req(), obs(), ['namespace-keys', 'delegations', 'namespace', 'hosting']],
    ['killed after the keys', req(), obs({ keys: OWNERS }), ['delegations', 'namespace', 'hosting']],
    ['one key missing', req(), obs({ keys: ['participant1', 'participant2'], delegated: ['participant1', 'participant2'] }), ['namespace-keys', 'delegations', 'namespace', 'hosting']],
    ['killed after the namespace', req(), obs(ALL), ['hosting']],
    ['done', req(), obs({ ...ALL, hosting: { threshold: 2, hosts: OWNERS } }), []],
    ['a new confirmation threshold', req({ confirmationThreshold: 3 }), obs({ ...ALL, hosting: { threshold: 2, hosts: OWNERS } }), ['hosting']],
    ['hosted with another permission', req(), obs({ ...ALL, hosting: { threshold: 2, hosts: OWNERS, permission: 'Submission' } }), ['hosting']],
    ['an owner removed', req({ owners: ['participant1', 'participant2'] }), obs({ ...ALL, hosting: { threshold: 2, hosts: OWNERS } }), ['namespace', 'hosting']],
    ['PartyToKey asked for, keys missing', req({ partyToKey: true }), obs({ ...ALL, hosting: { threshold: 2, hosts: OWNERS } }), ['party-to-key']],
    ['PartyToKey in place', req({ partyToKey: true }), obs({ ...ALL, proto: OWNERS, p2k: OWNERS, hosting: { threshold: 2, hosts: OWNERS } }), []],
  ] as const)('%s', (_n, r, o, want) => {
    expect(pendingSteps(r, o)).toEqual(want);
  });
});

describe('signersFor: all owners create; a threshold of the current owners plus the added ones change', () => {
  test.each([
    ['a new party: every owner', req(), obs(), OWNERS],
    ['adding participant4: 2 current owners + participant4', req({ owners: [...OWNERS, 'participant4'], previousOwners: OWNERS }), obs(), ['participant1', 'participant2', 'participant4']],
    ['participant1 down: the next owners that are up', req({ owners: [...OWNERS, 'participant4'], previousOwners: OWNERS }), obs({ down: ['participant1'] }), ['participant2', 'participant3', 'participant4']],
    ['removing participant1: kept owners first', req({ owners: ['participant2', 'participant3'], previousOwners: OWNERS }), obs(), ['participant2', 'participant3']],
  ] as const)('%s', (_n, r, o, want) => {
    expect(signersFor(r, o)).toEqual(want);
  });
});

describe('ownersDown names the owner that is down', () => {
  it('refuses a new party while one owner is down, naming it and keeping what is done', () => {
    const e = ownersDown(req(), obs({ keys: OWNERS, down: ['participant3'] }), ['delegations', 'namespace', 'hosting'], 'da')!;
    expect(e.message).toBe('owner participant3 is not connected to synchronizer da (down or disconnected), and delegations needs its signature');
    expect(e.hint).toMatch(/Start or reconnect participant3 .*the steps already done are kept/);
    expect(e.exitCode).toBe(4);
  });
  it('lets a change go ahead with a threshold of owners up, and refuses below it', () => {
    const change = req({ owners: OWNERS, previousOwners: OWNERS, confirmationThreshold: 3 });
    expect(ownersDown(change, obs({ ...ALL, down: ['participant3'] }), ['hosting'], 'da')).toBeUndefined();
    const e = ownersDown(change, obs({ ...ALL, down: ['participant2', 'participant3'] }), ['hosting'], 'da')!;
    expect(e.message).toMatch(/only 1 of the current owners .* are up; a change needs 2 of them/);
    expect(e.hint).toContain('participant2, participant3');
  });
  it('says nothing when nothing is pending', () => {
    expect(ownersDown(req(), obs({ down: OWNERS }), [], 'da')).toBeUndefined();
  });
});

describe('checkRequest and the flags', () => {
  const known = [...OWNERS, 'participant4'];
  test.each([
    ['an unknown owner', req({ owners: ['participant1', 'participant9'] }), /unknown owner participant participant9/],
    ['one owner', req({ owners: ['participant1'], threshold: 1, confirmationThreshold: 1 }), /at least two owners/],
    ['a threshold above the owners', req({ threshold: 4 }), /threshold 4 must be between 1 and the number of owners \(3\)/],
    ['observation hosts cannot confirm', req({ permission: 'Observation' }), /cannot be met by 0 confirming hosts/],
    ['an owner twice', req({ owners: ['participant1', 'participant1', 'participant2'] }), /listed twice/],
  ] as const)('%s', (_n, r, msg) => {
    expect(() => checkRequest(r, known, '--owners')).toThrow(msg);
  });
  const t = toTopology(parseConfigText('participants: { participant1: {}, participant2: {}, participant3: {} }\n', 'c.yaml', { format: 'yaml' }), '/p');
  it('refuses submission hosts unless the confirmation threshold is 1 (no participant submits alone above it)', () => {
    expect(() => decentralRequest('Vault', { owners: OWNERS.join(','), threshold: '2', permission: 'submission' }, t, undefined)).toThrow(/--permission submission needs --confirmation-threshold 1 \(it is 2\)/);
    expect(decentralRequest('Vault', { owners: OWNERS.join(','), threshold: '2', confirmationThreshold: '1', permission: 'submission' }, t, undefined)).toMatchObject({ permission: 'Submission', confirmationThreshold: 1 });
  });
  it('changes start from the record; --owners cannot silently change them', () => {
    const rec = { name: 'Vault', id: `Vault::${fp('f')}`, namespace: fp('f'), owners: OWNERS, threshold: 2, confirmationThreshold: 2, permission: 'Confirmation' as const, partyToKey: false, keyNames: { ns: 'n', proto: 'p' }, keys: {} };
    expect(decentralRequest('Vault', { remove: 'participant3' }, t, rec)).toMatchObject({ owners: ['participant1', 'participant2'], previousOwners: OWNERS, namespace: fp('f'), threshold: 2 });
    expect(() => decentralRequest('Vault', { owners: 'participant1,participant2' }, t, rec)).toThrow(UserError);
    expect(() => decentralRequest('Vault', { add: 'participant1' }, t, rec)).toThrow(/already an owner/);
    expect(() => decentralRequest('Vault', { add: 'participant2' }, t, undefined)).toThrow(/has not been decentralized by canton-mpc yet/);
  });
  it('a party declared in canton-mpc.yaml changes there, not here (the next up would undo it)', () => {
    const declared = toTopology(parseConfigText('participants: { participant1: {}, participant2: {}, participant3: {} }\nusers: {}\nparties:\n  Vault: { decentralized: { owners: [participant1, participant2], threshold: 2 } }\n', 'c.yaml', { format: 'yaml' }), '/p');
    const rec = { name: 'Vault', id: `Vault::${fp('f')}`, namespace: fp('f'), owners: ['participant1', 'participant2'], threshold: 2, confirmationThreshold: 2, permission: 'Confirmation' as const, partyToKey: false, keyNames: { ns: 'n', proto: 'p' }, keys: {} };
    expect(decentralRequest('Vault', {}, declared, rec)).toMatchObject({ owners: ['participant1', 'participant2'], threshold: 2 });
    // The config gained an owner: without flags the command converges to it, as `up` would (a change from the record).
    const grown = toTopology(parseConfigText('participants: { participant1: {}, participant2: {}, participant3: {} }\nusers: {}\nparties:\n  Vault: { decentralized: { owners: [participant1, participant2, participant3], threshold: 2 } }\n', 'c.yaml', { format: 'yaml' }), '/p');
    expect(decentralRequest('Vault', {}, grown, rec)).toMatchObject({ owners: ['participant1', 'participant2', 'participant3'], previousOwners: ['participant1', 'participant2'], threshold: 2, confirmationThreshold: 2 });
    expect(decentralRequest('Vault', { add: 'participant3' }, grown, rec)).toMatchObject({ owners: ['participant1', 'participant2', 'participant3'] });
    expect(() => decentralRequest('Vault', { add: 'participant3' }, declared, rec)).toThrow(/Vault is declared in canton-mpc.yaml \(parties.Vault.decentralized\), and this asks for owners participant1, participant2, participant3 \(the config: participant1, participant2\)/);
    try { decentralRequest('Vault', { confirmationThreshold: '1' }, declared, rec); } catch (e) { expect(e).toMatchObject({ exitCode: 8, kind: 'declared_in_config', where: '--confirmation-threshold' }); }
    expect(() => decentralRequest('Vault', { confirmationThreshold: '1' }, declared, rec)).toThrow(/confirmation threshold 1 \(the config: 2\)/);
  });
});

describe('the observation lines', () => {
  it('parses what the script prints and refuses a cut-short run', () => {
    const steps = [
      { id: 'owner', data: { name: 'participant1', id: `PAR::${uid('participant1')}`, connected: true, nsKey: fp('a'), protoKey: null, delegation: true } },
      { id: 'namespace-state', data: { namespace: fp('f'), listed: [{ threshold: 2, owners: [fp('b'), fp('a')] }], signedBy: [] } },
      { id: 'hosting-state', data: { party: `Vault::${fp('f')}`, listed: [], signedBy: [fp('a')] } },
      { id: 'observed', data: {} },
    ];
    const o = parseDecentralObservation(steps);
    expect(o.owners.participant1).toEqual({ name: 'participant1', uid: uid('participant1'), connected: true, nsKey: fp('a'), delegation: true });
    expect(o.dnd).toEqual({ threshold: 2, owners: [fp('a'), fp('b')] });
    expect(o.hosting).toBeUndefined();
    expect(o.hostingSignedBy).toEqual([fp('a')]);
    expect(() => parseDecentralObservation(steps.slice(0, 2))).toThrow(/ended before it reported everything/);
  });
});

describe('the script', () => {
  const base = { projectDir: '/p', alias: 'da', anchor: 'participant1', hint: 'Vault', owners: OWNERS, signers: OWNERS, threshold: 2, confirmationThreshold: 2, permission: 'Confirmation' as const, partyToKey: false, waitSeconds: 60 };
  it('observes only, generating nothing, when no step is pending', () => {
    const s = renderDecentralScript({ ...base, steps: [] });
    expect(s).not.toContain('generate_signing_key');
    expect(s).not.toContain('.propose');
    expect(s).toContain('CANTON_MPC_STEP observed');
  });
  it('proposes from each signer once, guarded by what is already signed, and never prints a private key', () => {
    const s = renderDecentralScript({ ...base, steps: ['namespace-keys', 'delegations', 'namespace', 'hosting'] });
    expect(s.match(/\.topology\.decentralized_namespaces\.propose\(dnd, store = syncId, synchronize = None\)/g)).toHaveLength(3);
    expect(s).toMatch(/if \(!dndListed && !participant1\.topology\.decentralized_namespaces\.list\(syncId, proposals = true.*signedBy\.contains\(ns_participant3\.fingerprint\)\)\) participant3\./);
    expect(s).toContain('generate_signing_key(nsKeyName, SigningKeyUsage.NamespaceOnly)');
    expect(s).toContain('propose(party, hosts, threshold = PositiveInt.tryCreate(2), store = syncId, synchronize = None)');
    expect(s).not.toMatch(/private|download|export/i);
  });
  it('keeps the namespace of an existing party on a change', () => {
    const s = renderDecentralScript({ ...base, owners: ['participant1', 'participant2'], signers: ['participant1', 'participant2'], namespace: fp('f'), steps: ['namespace', 'hosting'] });
    expect(s).toContain(`val ns = Namespace(Fingerprint.tryFromString("${fp('f')}"))`);
    expect(s).not.toContain('computeNamespace(Set(Namespace(ns_');
  });
});

describe('decoding the seed’s error conditions', () => {
  test.each([
    // as party-decentral.canton prints them when a wait runs out (retry_until_true's failure text)
    ['namespace not listed: names the owners that did not sign', 'console script party-decentral.canton failed after namespace-keys, delegations: Command execution failed: the decentralized namespace 1220ab is not listed after 60 s; owners whose signature is missing: participant3 (timeout 60000 ms)', 'NAMESPACE_NOT_LISTED', /check that participant3 is up/],
    ['hosting not authorized: how many signatures are missing', 'the PartyToParticipant mapping of Vault::1220ab is not effective after 60 s; owner namespace signatures: 1 of the 2 needed; owners that have not signed: participant2, participant3', 'HOSTING_NOT_AUTHORIZED', /\(1 of the 2 needed\)/],
    ['an owner that went down mid-way is named', 'console script party-decentral.canton failed after namespace-keys: SYNCHRONIZER_NOT_CONNECTED: Participant participant3::1220ab is not connected to synchronizer da::1220cd; the topology transaction cannot be submitted', 'OWNER_DISCONNECTED', /Owner participant3 went down mid-way/],
    ['cannot submit as the decentralized party', 'NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT(11,0): This participant cannot submit as the given submitter on any connected synchronizer', 'NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT', /PartyToKey .* Submission and threshold 1/],
    ['too few confirming hosts', 'MEDIATOR_SAYS_TX_TIMED_OUT(2,a1b2): Rejected transaction as the mediator did not receive sufficient confirmations within the expected timeframe.', 'MEDIATOR_SAYS_TX_TIMED_OUT', /fewer than its confirmation threshold are up/],
    ['no key for the namespace', 'INVALID_GIVEN_CURRENT_SYSTEM_STATE_RESOURCE_MISSING/TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE(11,77aa): Could not find an appropriate signing key to issue the topology transaction', 'TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE', /delegation is missing/],
  ] as const)('%s', (_n, text, code, fix) => {
    const d = decodeDecentral(text)!;
    expect(d.code).toBe(code);
    expect(d.fix).toMatch(fix);
  });
  it('the shared decoder knows the mediator timeout too', () => {
    expect(decodeCantonText('{"code":"MEDIATOR_SAYS_TX_TIMED_OUT","cause":"Rejected transaction"}')[0]?.fix).toMatch(/party status/);
  });
  it('leaves other failures alone', () => {
    expect(decodeDecentral('console script party-decentral.canton failed: UNAVAILABLE: io exception')).toBeUndefined();
  });
});

describe('parties.<name>.decentralized in canton-mpc.yaml', () => {
  const P = 'participants: { participant1: {}, participant2: {}, participant3: {} }\nusers: {}\nparties:\n  Issuer: participant1\n';
  const issues = (yaml: string): Array<{ path: string; message: string; line?: number }> => {
    try {
      parseConfigText(yaml, 'c.yaml', { format: 'yaml' });
    } catch (e) {
      if (e instanceof ConfigError) return e.issues;
      throw e;
    }
    return [];
  };
  it('derives the spec, keeps the party out of the bootstrap’s parties', () => {
    const t = toTopology(parseConfigText(`${P}  Vault: { decentralized: { owners: [participant1, participant2, participant3], threshold: 2 } }\n`, 'c.yaml', { format: 'yaml' }), '/p');
    expect(t.parties.map((p) => p.name)).toEqual(['Issuer']);
    expect(t.decentralizedParties).toEqual([{ name: 'Vault', owners: OWNERS, threshold: 2, confirmationThreshold: 2, permission: 'confirmation', partyToKey: false }]);
  });
  test.each([
    ['an unknown owner', '  Vault: { decentralized: { owners: [participant1, participant9], threshold: 1 } }\n', 'parties.Vault.decentralized.owners.1', /owner "participant9" of party Vault is not a participant/, 5],
    ['a threshold above the owners', '  Vault: { decentralized: { owners: [participant1, participant2], threshold: 3 } }\n', 'parties.Vault.decentralized.threshold', /threshold 3 is more than the 2 owners/, 5],
    ['one owner', '  Vault: { decentralized: { owners: [participant1], threshold: 1 } }\n', 'parties.Vault.decentralized.owners', /at least two owners/, 5],
    ['alsoHostedOn next to it', '  Vault: { decentralized: { owners: [participant1, participant2], threshold: 2 }, alsoHostedOn: { participant3: observation } }\n', 'parties.Vault.alsoHostedOn', /hosted by its owners, not by alsoHostedOn/, 5],
    ['an unknown key', '  Vault: { decentralized: { owners: [participant1, participant2], threshold: 2, quorum: 2 } }\n', 'parties.Vault.decentralized', /quorum/, 5],
  ] as const)('%s is an error with its file:line', (_n, party, path, message, line) => {
    const got = issues(P + party);
    const i = got.find((x) => x.path === path || x.path.startsWith(path));
    expect(i, JSON.stringify(got)).toBeDefined();
    expect(i!.message).toMatch(message);
    expect(i!.line).toBe(line);
  });
  it('refuses a user acting as it: it has no id before up and no single submitting host', () => {
    const got = issues(`participants: { participant1: {}, participant2: {} }\nparties:\n  Vault: { decentralized: { owners: [participant1, participant2], threshold: 2 } }\nusers:\n  u: { participant: participant1, actAs: [Vault], readAs: [] }\n`);
    expect(got.some((i) => i.path === 'users.u.actAs.0' && /decentralized party Vault/.test(i.message)), JSON.stringify(got)).toBe(true);
  });
});

describe('the record of a decentralized party', () => {
  it('is ignored after a restart when an owner keeps its ledger in memory (its keys and namespace are gone)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { currentDecentralRecord, writeDecentralRecord } = await import('../../src/party/decentral-registry.js');
    const dir = mkdtempSync(join(tmpdir(), 'dec-'));
    const rec = { name: 'Vault', id: `Vault::${fp('f')}`, namespace: fp('f'), owners: ['participant1', 'participant2'], threshold: 2, confirmationThreshold: 2, permission: 'Confirmation' as const, partyToKey: false, keyNames: { ns: 'n', proto: 'p' }, keys: {}, daemonStartedAt: 'T1' };
    await writeDecentralRecord(dir, rec);
    const topo = (storage: string) => toTopology(parseConfigText(`storage: ${storage}\n`, 'c.yaml', { format: 'yaml' }), '/p');
    const state = (startedAt: string) => ({ canton: { startedAt } }) as never;
    expect(await currentDecentralRecord(topo('memory'), state('T1'), dir)).toMatchObject({ id: rec.id });
    expect(await currentDecentralRecord(topo('memory'), state('T2'), dir)).toBeUndefined();
    expect(await currentDecentralRecord(topo('postgres'), state('T2'), dir)).toMatchObject({ id: rec.id });
  });
});
