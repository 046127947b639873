// Offline party replication in the emulator: onboarding flag, ACS export to a real gzip file, import
// only on a disconnected participant with persistent storage, never twice, a corrupt file refused with
// the target unchanged, and the flag cleared only after the target reconnected.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { spawnCanton, startDaemon, type Daemon } from './harness.js';

let pg: TestPostgres;
let d: Daemon;
let remote: string;
let depositor: string;
beforeAll(async () => {
  pg = await startTestPostgres();
  await pg.createDatabase('acs_participant1');
  // participant1 (the target) on Postgres, everything else in memory.
  const storage = (n: string) => (n === 'participant1' ? `storage { type = postgres, config.properties { serverName = "${pg.host}", portNumber = ${pg.port}, databaseName = "acs_participant1", user = "${pg.user}", password = "${pg.password}" } }` : 'storage.type = memory');
  d = await startDaemon({ storage });
  depositor = /Depositor: (\S+)/.exec(d.out())![1]!;
  remote = join(d.cwd, 'remote.conf');
  writeFileSync(remote, `canton.remote-participants {\n${d.ports.p.map((p, i) => `  participant${i + 1} { ledger-api { address = "127.0.0.1", port = ${p.ledger} }, admin-api { address = "127.0.0.1", port = ${p.admin} } }`).join('\n')}\n}\n`);
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${d.json(1)}/v2/commands/submit-and-wait`, { method: 'POST', body: JSON.stringify({ commands: [{ CreateCommand: { templateId: '#app:Vault:Asset', createArguments: { owner: depositor, n: i } } }], commandId: `c${i}`, actAs: [depositor], userId: 'u' }) });
    expect(r.status).toBe(200);
  }
}, 120_000);
afterAll(async () => { await d?.stop(); await pg?.stop(); });

const run = async (script: string, env: NodeJS.ProcessEnv = {}) => {
  const path = join(d.cwd, `s${Math.random().toString(36).slice(2)}.canton`);
  writeFileSync(path, `val syncId = participant2.synchronizers.id_of("da")\nval party = participant2.topology.party_to_participant_mappings.list(syncId, filterParty = "${depositor}").head.item.partyId\n${script}`);
  const r = await spawnCanton(['run', path, '-c', remote], { cwd: d.cwd, env });
  return { code: (await r.exited).code, out: r.out(), err: r.err() };
};
const acs = async (i: number) => ((await (await fetch(`${d.json(i)}/v2/state/active-contracts`, { method: 'POST', body: JSON.stringify({ eventFormat: { filtersByParty: { [depositor]: {} } } }) })).json()) as unknown[]).length;

test('the runbook sequence: onboarding flag, export, import refused while connected / in memory / twice / corrupt, flag cleared after reconnect', async () => {
  const a = await run(`participant1.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Observation)), store = syncId, requiresPartyToBeOnboarded = true)
participant1.synchronizers.disconnect_all()
participant1.synchronizers.modify("da", _.copy(manualConnect = true))
val before = participant2.ledger_api.state.end()
participant2.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Observation)), store = syncId, requiresPartyToBeOnboarded = true)
val m = participant2.topology.party_to_participant_mappings.list(syncId, filterParty = party.toProtoPrimitive).head
println("onboarding=" + m.item.participants.filter(h => h.participantId == participant1.id).map(h => h.onboarding).mkString)
participant2.parties.export_party_acs(party = party, synchronizerId = syncId, targetParticipantId = participant1.id, beginOffsetExclusive = before, exportFilePath = "${join(d.cwd, 'dep.acs.gz')}")
`);
  expect(a.err).toBe('');
  expect(a.out).toContain('onboarding=true');
  const file = JSON.parse(gunzipSync(readFileSync(join(d.cwd, 'dep.acs.gz'))).toString());
  expect(file.contracts).toHaveLength(3);

  const mem = await run(`participant2.parties.import_party_acs("${join(d.cwd, 'dep.acs.gz')}")\n`);
  expect(mem.err).toMatch(/IMPORT_ACS_ERROR.*is in memory which is not supported by repair\. Use db persistence\./);

  const marker = join(d.cwd, 'corrupt.marker');
  const bad = await run(`participant2.parties.export_party_acs(party = party, synchronizerId = syncId, targetParticipantId = participant1.id, beginOffsetExclusive = 0, exportFilePath = "${join(d.cwd, 'bad.acs.gz')}")
participant1.parties.import_party_acs("${join(d.cwd, 'bad.acs.gz')}")
`, { CANTON_EMULATOR_CORRUPT_EXPORT: marker });
  expect(existsSync(marker)).toBe(true);
  expect(bad.err).toMatch(/PROTO_DESERIALIZATION_FAILURE\(8,0\): Deserialization of protobuf message failed/);
  expect(await acs(0)).toBe(0);

  const ok = await run(`participant1.parties.import_party_acs("${join(d.cwd, 'dep.acs.gz')}")
val r = participant1.parties.clear_party_onboarding_flag(party, syncId, 0)
println("cleared-while-disconnected=" + r._1)
`);
  expect(ok.err).toBe('');
  expect(ok.out).toContain('cleared-while-disconnected=false');
  const twice = await run(`participant1.parties.import_party_acs("${join(d.cwd, 'dep.acs.gz')}")\n`);
  expect(twice.err).toMatch(/IMPORT_ACS_ERROR.*already active/);

  const done = await run(`participant1.synchronizers.reconnect_local("da")
participant1.synchronizers.modify("da", _.copy(manualConnect = false))
val r = participant1.parties.clear_party_onboarding_flag(party, syncId, 0)
println("cleared=" + r._1)
println("onboarding=" + participant2.topology.party_to_participant_mappings.list(syncId, filterParty = party.toProtoPrimitive).head.item.participants.exists(h => h.onboarding))
`);
  expect(done.err).toBe('');
  expect(done.out).toContain('cleared=true');
  expect(done.out).toContain('onboarding=false');
  expect(await acs(0)).toBe(3);
});

test('an import refused while connected', async () => {
  const r = await run(`participant1.parties.import_party_acs("${join(d.cwd, 'dep.acs.gz')}")\n`);
  expect(r.err).toMatch(/IMPORT_ACS_ERROR.*There are still synchronizers connected\. Please disconnect all synchronizers\./);
});
