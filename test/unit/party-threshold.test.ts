// A decentralized party in Workflows 1 and 2, pure parts: who signs the party side (a threshold of the
// owners, the target left out), the refusals (an owner down, not enough owner keys in the project), the
// assessments of both workflows, the rendered proposals (the target signs with its participant key only),
// the observation lines, and which added owners Workflow 2 must onboard.
import { describe, expect, it, test } from 'vitest';
import { assessReplication } from '../../src/party/assess.js';
import { onboardingTargets, ownersDown, type DecentralObservation, type DecentralRequest } from '../../src/party/decentral-decide.js';
import { assessOffline, offlineMemory } from '../../src/party/offline.js';
import { parseObservation } from '../../src/party/observe.js';
import { renderObserveScript, renderReplicateScript } from '../../src/party/scripts.js';
import { OFFLINE_BATCHES, renderOfflineScript } from '../../src/party/scripts-offline.js';
import { partySideSigners } from '../../src/party/threshold-signers.js';
import type { Observation, PartyView } from '../../src/party/types.js';
import { checkScalaSyntax } from '../support/scala-check/index.js';
import { expectInOrder } from '../support/order.js';

const key = (c: string) => `1220${c.repeat(64)}`;
const uid = (n: string) => `${n}::${key(n.slice(-1))}`;
const NS = key('d');
const PARTY = `Vault::${NS}`;
const OWNER_KEY: Record<string, string> = { participant1: key('a'), participant2: key('b'), participant3: key('c') };
const pv = (name: string, connected = true) => ({ name, uid: uid(name), connected, end: 5, manualConnect: false, pruning: null, dars: [], vetted: [] });

/** Owners participant1..3 (threshold 2 unless given), hosted on participant1 and participant2; participant4 is free. */
function world(o: { threshold?: number; down?: string[]; holders?: string[]; proposalSignedBy?: string[]; target?: string } = {}): Observation {
  const holders = o.holders ?? ['participant1', 'participant2', 'participant3'];
  const target = o.target ?? 'participant4';
  const party: PartyView = {
    id: PARTY, external: false, decentralized: true, namespaceThreshold: o.threshold ?? 2, namespaceOwners: Object.values(OWNER_KEY),
    ownerKeys: Object.fromEntries(holders.map((h) => [h, [OWNER_KEY[h]!]])),
    mapping: { serial: 3, threshold: 1, signedBy: [], hosts: ['participant1', 'participant2'].map((n) => ({ uid: uid(n), name: n, permission: 'Confirmation' as const, onboarding: false })) },
    proposals: o.proposalSignedBy ? [{ serial: 4, threshold: 1, signedBy: o.proposalSignedBy, hosts: ['participant1', 'participant2', target].map((n) => ({ uid: uid(n), permission: n === target ? ('Observation' as const) : ('Confirmation' as const), onboarding: false })) }] : [],
  };
  return {
    synchronizerId: `da::${key('0')}`,
    participants: Object.fromEntries(['participant1', 'participant2', 'participant3', 'participant4'].map((n) => [n, pv(n, !(o.down ?? []).includes(n))])),
    parties: { [PARTY]: party },
  };
}
const q = (o: Partial<Parameters<typeof partySideSigners>[2]> = {}) => ({ label: 'Vault', prefer: ['participant2'], exclude: ['participant4'], signedBy: [], alias: 'da', ...o });

describe('partySideSigners: a threshold of the owners, the source first, nobody twice', () => {
  test.each([
    ['none signed yet: the source, then the next holder', world(), q(), ['participant2', 'participant1']],
    ['one owner signed the open proposal already: one more', world(), q({ signedBy: [OWNER_KEY.participant2!] }), ['participant1']],
    ['the threshold is met: nobody', world(), q({ signedBy: [OWNER_KEY.participant1!, OWNER_KEY.participant3!] }), []],
    ['the target holds an owner key: left out', world(), q({ exclude: ['participant1'] }), ['participant2', 'participant3']],
    ['an owner that is down is not asked while others can sign', world({ down: ['participant1'] }), q(), ['participant2', 'participant3']],
    ['a participant signature is not an owner signature', world(), q({ signedBy: [uid('participant2').split('::')[1]!] }), ['participant2', 'participant1']],
  ] as const)('%s', (_n, obs, query, want) => {
    expect(partySideSigners(obs.parties[PARTY]!, obs, query).signers).toEqual(want);
  });

  it('names the owner that is down when the threshold needs it (exit 4, nothing proposed)', () => {
    const obs = world({ holders: ['participant1', 'participant2'], down: ['participant1'] });
    expect(() => partySideSigners(obs.parties[PARTY]!, obs, q())).toThrow(/needs 2 of its 3 owners' signatures and only 1 can be given now, because owner participant1 is not connected to synchronizer da/);
    try { partySideSigners(obs.parties[PARTY]!, obs, q()); } catch (e) { expect(e).toMatchObject({ exitCode: 4, kind: 'owner_down' }); }
  });

  it('refuses when this project does not hold enough owner keys (exit 8), naming the target when it is the reason', () => {
    const obs = world({ holders: ['participant1'] });
    expect(() => partySideSigners(obs.parties[PARTY]!, obs, q())).toThrow(/only 1 can be given now; the owner keys held by this project's participants \(participant1\) are not enough/);
    try { partySideSigners(obs.parties[PARTY]!, obs, q()); } catch (e) { expect(e).toMatchObject({ exitCode: 8, kind: 'threshold_not_reachable' }); }
    const two = world({ holders: ['participant1', 'participant3'] });
    expect(() => partySideSigners(two.parties[PARTY]!, two, q({ exclude: ['participant3'] }))).toThrow(/\(participant3 cannot sign here: it is the target\)/);
  });
});

const none = { state: 'none' as const, detail: 'never a stakeholder' };
const used = { state: 'used' as const, detail: '1 active contract' };
const wreq = (permission: 'Observation' | 'Confirmation' = 'Observation') => ({ partyName: 'Vault', partyId: PARTY, source: 'participant1', target: 'participant4', permission });

describe('Workflow 1 for a decentralized party', () => {
  it('a threshold of owners signs the party side; the source need not hold the namespace', () => {
    const a = assessReplication(wreq(), world(), none, { darFiles: 0, alias: 'da' });
    expect(a.partySigners).toEqual(['participant1', 'participant2']);
    expect(a.pending).toEqual(['propose-party-side', 'propose-participant-side', 'await-effective']);
  });
  it('after a crash with both owners signed, only the target proposes', () => {
    const a = assessReplication(wreq(), world({ proposalSignedBy: [OWNER_KEY.participant1!, OWNER_KEY.participant2!] }), none, { darFiles: 0, alias: 'da' });
    expect(a.partySigners).toEqual([]);
    expect(a.pending).toEqual(['propose-participant-side', 'await-effective']);
  });
  it('a used party needs Workflow 2', () => {
    expect(() => assessReplication(wreq(), world(), used, { darFiles: 0, alias: 'da' })).toThrow(/needs offline party replication \(Workflow 2\)/);
  });
});

describe('Workflow 2 for a decentralized party', () => {
  const assess = (obs: Observation) => assessOffline(wreq(), obs, used, offlineMemory([]), { targetStorage: 'postgres', darFiles: 0, exportOk: false, backupOk: false, alias: 'da' });
  it('step 6 is signed by a threshold of owners, never by the target (disconnected then)', () => {
    const a = assess(world());
    expect(a.partySigners).toEqual(['participant1', 'participant2']);
    expect(a.pending).toContain('propose-party-side');
  });
  it('refuses before step 1 when the owners up cannot reach the threshold; an owner being onboarded does not count', () => {
    expect(() => assess(world({ holders: ['participant1', 'participant2'], down: ['participant2'] }))).toThrow(/owner participant2 is not connected/);
    // participant3 holds an owner key and is the target: it would be disconnected at step 6.
    const toOwner = () => assessOffline({ ...wreq(), target: 'participant3' }, world({ down: ['participant2'], target: 'participant3' }), used, offlineMemory([]), { targetStorage: 'postgres', darFiles: 0, exportOk: false, backupOk: false, alias: 'da' });
    expect(toOwner).toThrow(/only 1 can be given now, because owner participant2 is not connected/);
  });
});

describe('the scripts', () => {
  const w1 = renderReplicateScript({ projectDir: '/p', alias: 'da', partyId: PARTY, source: 'participant1', target: 'participant4', permission: 'Observation', steps: ['propose-party-side', 'propose-participant-side', 'await-effective'], dars: [], packages: [], waitSeconds: 60, partySigners: ['participant1', 'participant2'] });
  const w2 = renderOfflineScript({
    projectDir: '/p', alias: 'da', partyId: PARTY, source: 'participant1', target: 'participant4', permission: 'Confirmation', batch: 'prepare', steps: [...OFFLINE_BATCHES.prepare].filter((s) => s !== 'vet-packages'),
    dars: [], packages: [], pruning: null, beforeActivationOffset: 7, exportFile: '/p/x.acs.gz', waitSeconds: 60, flagTimeoutSeconds: 120, partySigners: ['participant1', 'participant2'],
  });
  const observe = renderObserveScript({ projectDir: '/p', alias: 'da', anchor: 'participant1', participants: ['participant1', 'participant2'], partyIds: [PARTY] });
  const delta = (node: string, extra = '') => `${node}.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant4.id, ParticipantPermission.Observation)), store = syncId${extra})`;

  it('Workflow 1: each signer proposes the same change; the target signs with its participant key only', () => {
    expect(w1).toContain(delta('participant1'));
    expect(w1).toContain(delta('participant2'));
    expect(w1).toContain(delta('participant4', ', signedBy = Some(participant4.id.fingerprint)'));
    expect(w1.indexOf(delta('participant2'))).toBeLessThan(w1.indexOf('CANTON_MPC_STEP propose-party-side'));
  });
  it('Workflow 2: step 3 by the target with its participant key, step 6 by the signers after the disconnect', () => {
    const d = (node: string, extra = '') => `${node}.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant4.id, ParticipantPermission.Confirmation)), store = syncId, requiresPartyToBeOnboarded = true${extra})`;
    const order = [d('participant4', ', signedBy = Some(participant4.id.fingerprint)'), 'participant4.synchronizers.disconnect_all()', d('participant1'), d('participant2'), 'export_party_acs'];
    expectInOrder(w2, order);
  });
  it('the observation reports which participant holds which owner key, fingerprints only', () => {
    expect(observe).toContain('participant2.keys.secret.list().map(k => k.publicKey.fingerprint.toProtoPrimitive).filter(f => ownerNs0.contains(f))');
    const line = (id: string, data: Record<string, unknown>) => ({ id, data });
    const obs = parseObservation([
      line('synchronizer', { id: 'da::1220' }),
      line('participant', { name: 'participant1', id: `PAR::${uid('participant1')}`, connected: true }),
      line('namespace', { party: PARTY, decentralized: true, threshold: 2, owners: [OWNER_KEY.participant1, OWNER_KEY.participant2] }),
      line('owner-keys', { party: PARTY, participant: 'participant1', owners: [OWNER_KEY.participant1] }),
      line('owner-keys', { party: PARTY, participant: 'participant2', owners: [] }),
      line('observed', {}),
    ], [PARTY]);
    expect(obs.parties[PARTY]).toMatchObject({ decentralized: true, namespaceThreshold: 2, ownerKeys: { participant1: [OWNER_KEY.participant1] } });
    expect(obs.parties[PARTY]!.ownerKeys).not.toHaveProperty('participant2');
  });
  it('parse with scalac', async () => {
    const errors = await checkScalaSyntax([{ name: 'w1', content: w1 }, { name: 'w2', content: w2 }, { name: 'observe', content: observe }]);
    expect(errors).toEqual({ w1: [], w2: [], observe: [] });
  }, 120_000);
});

describe('which added owners Workflow 2 onboards', () => {
  const dreq: DecentralRequest = { name: 'Vault', owners: ['participant1', 'participant2', 'participant3'], previousOwners: ['participant1', 'participant2'], threshold: 2, confirmationThreshold: 1, permission: 'Submission', partyToKey: false };
  const dobs = (hosts: Array<{ n: string; onboarding?: boolean }>, down: string[] = []): DecentralObservation => ({
    owners: Object.fromEntries(['participant1', 'participant2', 'participant3'].map((n) => [n, { name: n, uid: uid(n), connected: !down.includes(n), nsKey: OWNER_KEY[n]!, delegation: true }])),
    namespace: NS, partyId: PARTY, dnd: { threshold: 2, owners: Object.values(OWNER_KEY) }, dndSignedBy: [], hostingSignedBy: [],
    hosting: { threshold: 1, hosts: hosts.map((h) => ({ uid: uid(h.n), permission: 'Submission' as const, onboarding: h.onboarding === true })) },
  });
  test.each([
    ['a used party, the new owner not hosting: onboarded', dobs([{ n: 'participant1' }, { n: 'participant2' }]), 'used', ['participant3']],
    ['may have been used: onboarded (the runbook takes the safe path)', dobs([{ n: 'participant1' }, { n: 'participant2' }]), 'unknown', ['participant3']],
    ['never used: a topology change only', dobs([{ n: 'participant1' }, { n: 'participant2' }]), 'none', []],
    ['still onboarding (Workflow 2 interrupted): onboarded again', dobs([{ n: 'participant1' }, { n: 'participant2' }, { n: 'participant3', onboarding: true }]), 'used', ['participant3']],
    ['already a full host: done', dobs([{ n: 'participant1' }, { n: 'participant2' }, { n: 'participant3' }]), 'used', []],
  ] as const)('%s', (_n, obs, history, want) => {
    expect(onboardingTargets(dreq, obs, history)).toEqual(want);
  });
  it('an owner Workflow 2 disconnected does not block the resumed run, unless the namespace still needs it', () => {
    const obs = dobs([{ n: 'participant1' }, { n: 'participant2' }, { n: 'participant3', onboarding: true }], ['participant3']);
    expect(ownersDown(dreq, obs, ['hosting'], 'da', ['participant3'])).toBeUndefined();
    expect(ownersDown(dreq, obs, ['namespace', 'hosting'], 'da', ['participant3'])?.message).toMatch(/owner participant3 is not connected/);
    expect(ownersDown(dreq, obs, ['hosting'], 'da', [])?.message).toMatch(/owner participant3 is not connected/);
  });
});
