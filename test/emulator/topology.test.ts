// Party hosting in the emulator, checked against Canton's rules (topology.ts cites the sources):
// replication needs both namespaces, mismatched proposals never become effective, the same mapping
// twice is MAPPING_ALREADY_EXISTS, an external party is never hosted with Submission, and a
// submission needs every actAs party hosted with Submission on the submitting participant.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BOOTSTRAP, remoteParticipants, startDaemon, type Daemon } from './harness.js';

const SECRET = 'topology-secret-topology-secret-1234';
const token = (sub: string) => new SignJWT({ sub, scope: 'daml_ledger_api' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('4m').sign(new TextEncoder().encode(SECRET));

let d: Daemon;
let run: ReturnType<typeof remoteParticipants>['run'];
let issuer: string;
let depositor: string;
beforeAll(async () => {
  // issuer-user on participant1 may act as Depositor: the seed's rights grant that does not suffice alone.
  const bootstrap = `${BOOTSTRAP}participant1.ledger_api.users.create(id = "issuer-user", actAs = Set(issuer, depositor), primaryParty = Some(issuer))
participant1.ledger_api.users.create(id = "plain-user", actAs = Set(issuer), primaryParty = Some(issuer))
`;
  d = await startDaemon({ bootstrap, participantExtra: `ledger-api.auth-services = [{ type = unsafe-jwt-hmac-256, secret = "${SECRET}" }]` });
  issuer = /Issuer: {2}(\S+)/.exec(d.out())![1]!;
  depositor = /Depositor: (\S+)/.exec(d.out())![1]!;
  run = remoteParticipants(d, 'val syncId = participant1.synchronizers.id_of("da")\n').run;
});
afterAll(async () => { await d?.stop(); });

const submit = async (user: string, actAs: string[]) => {
  const r = await fetch(`${d.json(0)}/v2/commands/submit-and-wait`, {
    method: 'POST', headers: { authorization: `Bearer ${await token(user)}` },
    body: JSON.stringify({ commands: [{ CreateCommand: { templateId: '#app:Vault:RequestDeposit', createArguments: { issuer, depositor } } }], commandId: `c-${Math.random()}`, actAs }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
const rpc = async (node: string, op: string, args: Record<string, unknown>, i: number) => {
  const r = await fetch(`http://127.0.0.1:${d.ports.p[i]!.admin}/emulator/console`, { method: 'POST', body: JSON.stringify({ node, op, args }) });
  return (await r.json()) as { ok: boolean; result: unknown; error?: { code: string } };
};

test('enable on an existing name: TOPOLOGY_MAPPING_ALREADY_EXISTS', async () => {
  const r = await run('participant2.parties.enable("Depositor")\n');
  expect(r.code).toBe(1);
  expect(r.err).toContain('TOPOLOGY_MAPPING_ALREADY_EXISTS');
});

test('multi-hosting Depositor: effective only once both namespaces signed; then participant1 may submit as Issuer and Depositor', async () => {
  const before = await submit('issuer-user', [issuer, depositor]);
  expect(before.status).toBe(404);
  expect(before.body).toMatchObject({ code: 'NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT', cause: 'Not connected to a synchronizer on which this participant can submit for all submitters' });
  expect((await submit('issuer-user', [depositor])).body).toMatchObject({ cause: 'This participant cannot submit as the given submitter on any connected synchronizer' });

  const party = `val party = participant2.topology.party_to_participant_mappings.list(syncId, filterParty = "${depositor}").head.item.partyId\n`;
  const known = `println("known=" + participant1.topology.party_to_participant_mappings.is_known(syncId, party, Seq(participant1.id, participant2.id), Some(ParticipantPermission.Submission)))\n`;
  const a = await run(`${party}participant2.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Submission)), store = syncId)
${known}println("proposals=" + participant1.topology.party_to_participant_mappings.list(syncId, proposals = true, filterParty = "${depositor}").size)
`);
  expect(a.err).toBe('');
  expect(a.out).toContain('known=false');
  expect(a.out).toContain('proposals=1');
  const b = await run(`${party}participant1.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Submission)), store = syncId)
${known}val m = participant1.topology.party_to_participant_mappings.list(syncId, filterParty = "${depositor}").head
println("serial=" + m.context.serial.value + " hosts=" + m.item.participants.map(h => h.permission.toString).mkString(","))
`);
  expect(b.err).toBe('');
  expect(b.out).toContain('known=true');
  expect(b.out).toContain('serial=2 hosts=Submission,Submission');
  expect((await submit('issuer-user', [issuer, depositor])).status).toBe(200);
  // plain-user lacks CanActAs(Depositor): the rights check comes first.
  expect((await submit('plain-user', [issuer, depositor])).status).toBe(403);

  // The same change again (a re-run that did not look first) is refused, as is a stale serial.
  const again = await run(`${party}participant2.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Submission)), store = syncId)\n`);
  expect(again.err).toContain('TOPOLOGY_MAPPING_ALREADY_EXISTS');
  const stale = await run(`${party}participant2.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Observation)), store = syncId, serial = Some(PositiveInt.one))\n`);
  expect(stale.err).toContain('TOPOLOGY_SERIAL_MISMATCH');
});

test('mismatched permissions never become effective; an external party is never hosted with Submission', async () => {
  const r = await run(`val carol = participant2.parties.enable("Carol")
participant2.topology.party_to_participant_mappings.propose_delta(party = carol, adds = Seq((participant1.id, ParticipantPermission.Submission)), store = syncId)
participant1.topology.party_to_participant_mappings.propose_delta(party = carol, adds = Seq((participant1.id, ParticipantPermission.Confirmation)), store = syncId)
println("known=" + participant1.topology.party_to_participant_mappings.is_known(syncId, carol, Seq(participant1.id)))
println("proposals=" + participant1.topology.party_to_participant_mappings.list(syncId, proposals = true, filterParty = carol.toProtoPrimitive).size)
`);
  expect(r.err).toBe('');
  expect(r.out).toContain('known=false');
  expect(r.out).toContain('proposals=2');

  const ext = await rpc('participant2', 'participant.parties.allocate_external', { name: 'Ext' }, 1);
  expect(ext.ok).toBe(true);
  const id = String(ext.result);
  const sub = await run(`val ext = participant2.topology.party_to_participant_mappings.list(syncId, filterParty = "${id}").head.item.partyId
participant1.topology.party_to_participant_mappings.propose_delta(party = ext, adds = Seq((participant1.id, ParticipantPermission.Submission)), store = syncId)
`);
  expect(sub.err).toContain('External party cannot be hosted with Submission permission');
  const conf = await run(`val ext = participant2.topology.party_to_participant_mappings.list(syncId, filterParty = "${id}").head.item.partyId
participant2.topology.party_to_participant_mappings.propose_delta(party = ext, adds = Seq((participant1.id, ParticipantPermission.Confirmation)), store = syncId)
participant1.topology.party_to_participant_mappings.propose_delta(party = ext, adds = Seq((participant1.id, ParticipantPermission.Confirmation)), store = syncId)
println("known=" + participant1.topology.party_to_participant_mappings.is_known(syncId, ext, Seq(participant1.id)))
println("external=" + participant1.topology.party_to_participant_mappings.list(syncId, filterParty = "${id}").head.item.partySigningKeysWithThreshold.isDefined)
`);
  expect(conf.err).toBe('');
  // Neither participant holds the party's namespace key: the party side is missing.
  expect(conf.out).toContain('known=false');
  expect(conf.out).toContain('external=true');
});

test('vetted packages per participant; enable from the first host of a replicated party un-hosts the other (why the bootstrap guards it)', async () => {
  writeFileSync(join(d.cwd, 'x.dar'), Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40, 7)]));
  const v = await run(`val pkg = participant2.dars.upload("${join(d.cwd, 'x.dar')}")
println("p2=" + participant2.topology.vetted_packages.list(store = syncId, filterParticipant = participant2.id.filterString).exists(r => r.item.packages.exists(p => p.packageId == pkg)))
println("p1=" + participant1.topology.vetted_packages.list(store = syncId, filterParticipant = participant1.id.filterString).exists(r => r.item.packages.exists(p => p.packageId == pkg)))
`);
  expect(v.err).toBe('');
  expect(v.out).toContain('p2=true');
  expect(v.out).toContain('p1=false');
  // Depositor is hosted on both since the test above; Canton's enable proposes {participant2} alone.
  const u = await run(`participant2.parties.enable("Depositor")
println("p1=" + participant1.topology.party_to_participant_mappings.is_known(syncId, participant2.topology.party_to_participant_mappings.list(syncId, filterParty = "${depositor}").head.item.partyId, Seq(participant1.id)))
`);
  expect(u.err).toBe('');
  expect(u.out).toContain('p1=false');
});
