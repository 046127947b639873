// Console scripts: `run <script> -c remote.conf` against a running daemon (admin JSON-RPC), the
// general call parser, compile errors.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FAKE_DAR, readIf, spawnCanton, startDaemon, type Daemon } from './harness.js';

let d: Daemon;
let remote: string;
beforeAll(async () => {
  d = await startDaemon();
  remote = join(d.cwd, 'remote.conf');
  writeFileSync(remote, `canton {
  remote-participants {
${d.ports.p.map((p, i) => `    participant${i + 1} { ledger-api { address = "127.0.0.1", port = ${p.ledger} }, admin-api { address = "127.0.0.1", port = ${p.admin} } }`).join('\n')}
  }
  remote-sequencers.sequencer1 { public-api { address = "127.0.0.1", port = ${d.ports.seqPublic} }, admin-api { address = "127.0.0.1", port = ${d.ports.seqAdmin} } }
  remote-mediators.mediator1.admin-api { address = "127.0.0.1", port = ${d.ports.medAdmin} }
}
`);
  writeFileSync(join(d.cwd, 'my.dar'), FAKE_DAR);
});
afterAll(async () => { await d?.stop(); });

const run = async (script: string) => {
  const path = join(d.cwd, `s${Math.random().toString(36).slice(2)}.canton`);
  writeFileSync(path, script);
  const r = await spawnCanton(['run', path, '-c', remote], { cwd: d.cwd });
  return { code: (await r.exited).code, out: r.out(), err: r.err(), log: readIf(join(d.cwd, 'log', 'canton.log')) ?? '' };
};

test('run against the daemon: parties, users, rights, dars, idempotent bootstrap, chains and interpolation', async () => {
  const r = await run(`
// bootstrap again: idempotent
bootstrap.synchronizer(synchronizerName = "da", sequencers = sequencers.all, mediators = mediators.all,
  synchronizerOwners = Seq(sequencer1), synchronizerThreshold = PositiveInt.tryCreate(1),
  staticSynchronizerParameters = StaticSynchronizerParameters.defaultsWithoutKMS(ProtocolVersion.latest))
val bob = participant2.parties.enable("Bob")
val issuer = participant1.parties.hosted(filterParty = "Issuer").head.party /* already there: enable would fail */
participant1.ledger_api.users.create(id = "issuer-user", actAs = Set(issuer), readAs = Set(issuer), primaryParty = Some(issuer))
participant1.ledger_api.users.rights.grant(id = "issuer-user", actAs = Set(bob), readAs = Set(bob))
val rights = participant1.ledger_api.users.rights.list("issuer-user")
println(s"actAs=\${rights.actAs.size} admin=\${rights.participantAdmin}")
println(s"user=\${participant1.ledger_api.users.get("issuer-user").id}")
val ids = participants.all.dars.upload("${join(d.cwd, 'my.dar')}")
println(s"connected=\${participant1.synchronizers.list_connected().size}")
utils.retry_until_true(timeout = 2.minutes, maxWaitPeriod = 1.seconds) {
  participant2.synchronizers.active("da") && participant1.synchronizers.is_connected("da")
}
participant1
  .ledger_api.users
  .delete("issuer-user")
println(s"users=\${participant1.ledger_api.users.list().users.map(_.id).mkString(",")}")
println(s"end>0: \${participant1.ledger_api.state.end() > 0}")
println(s"bob=\${bob.toLf} pid=\${participant2.id.toProtoPrimitive}")
`);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toContain('already been bootstrapped');
  expect(r.out).toContain('actAs=2 admin=false');
  expect(r.out).toContain('user=issuer-user');
  expect(r.out).toContain('connected=1');
  expect(r.out).toContain('users=participant_admin\n');
  expect(r.out).toContain('end>0: true');
  expect(r.out).toMatch(/bob=Bob::1220[0-9a-f]{64} pid=PAR::participant2::1220[0-9a-f]{64}/);
  // the state changed in the daemon: visible over its JSON API
  const parties = (await (await fetch(`${d.json(0)}/v2/parties`)).json()) as { partyDetails: Array<{ party: string }> };
  expect(parties.partyDetails.map((p: { party: string }) => p.party.split('::')[0])).toContain('Bob');
  expect(((await (await fetch(`${d.json(1)}/v2/packages`)).json()) as { packageIds: string[] }).packageIds).toHaveLength(1);
});

test('runtime errors: missing DAR, duplicate user → exit 1 with Script execution failed', async () => {
  const a = await run('participant1.dars.upload("nope.dar")\n');
  expect(a.code).toBe(1);
  expect(a.err).toContain('Script execution failed');
  expect(a.err).toContain('nope.dar');
  const b = await run('participant1.ledger_api.users.create("dup")\nparticipant1.ledger_api.users.create("dup")\n');
  expect(b.code).toBe(1);
  expect(b.err).toContain('USER_ALREADY_EXISTS');
});

test('compile errors: unknown command, unknown parameter, unknown value, syntax — nothing runs', async () => {
  const a = await run('participant1.ledger_api.users.create("never-created")\nparticipant1.partiez.enable("X")\n');
  expect(a.code).toBe(1);
  expect(a.err).toMatch(/Script execution failed: Compilation Failed\n\(console\):2:\d+: value partiez is not a member of participant1/);
  const users = (await (await fetch(`${d.json(0)}/v2/users`)).json()) as { users: Array<{ id: string }> };
  expect(users.users.map((u: { id: string }) => u.id)).not.toContain('never-created');
  const b = await run('participant1.parties.enable(nam = "X")\n');
  expect(b.code).toBe(1);
  expect(b.err).toContain('unknown parameter name: nam');
  const c = await run('participant9.parties.enable("X")\n');
  expect(c.err).toContain('not found: value participant9');
  const e = await run('println("unterminated)\n');
  expect(e.code).toBe(1);
  expect(e.err).toContain('Compilation Failed');
  const f = await run('participant1.parties.enable()\n');
  expect(f.err).toContain('Unspecified value parameter name');
});

test('run against a daemon that is gone: exit 1', async () => {
  const e = await startDaemon({ bootstrap: null });
  await e.stop();
  const path = join(e.cwd, 'r.conf');
  writeFileSync(path, `canton.remote-participants.participant1 { ledger-api.port = ${e.ports.p[0]!.ledger}, admin-api.port = ${e.ports.p[0]!.admin} }\n`);
  writeFileSync(join(e.cwd, 's.canton'), 'participant1.parties.enable("X")\n');
  const r = await spawnCanton(['run', 's.canton', '-c', path], { cwd: e.cwd });
  expect((await r.exited).code).toBe(1);
  expect(r.err()).toContain('UNAVAILABLE');
});
