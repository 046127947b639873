// Issue 14 item 2: the synchronizer id comes from the owners' identities, and an already bootstrapped
// synchronizer is recognised by its full id, so a restart where a sequencer or mediator kept no state
// (memory) next to Postgres nodes fails as it does with Canton: exit 3 from the bootstrap.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { allocPorts, portsFileComplete, readIf, startDaemon, waitFor } from './harness.js';

let pg: TestPostgres;
beforeAll(async () => { pg = await startTestPostgres(); });
afterAll(async () => { await pg?.stop(); });

// What canton-mpc renders: connect only an unregistered alias, reconnect a registered one.
const BOOT = `nodes.local.start()
bootstrap.synchronizer(
  synchronizerName = "da",
  sequencers = Seq(sequencer1),
  mediators = Seq(mediator1),
  synchronizerOwners = Seq(sequencer1),
  synchronizerThreshold = PositiveInt.one,
  staticSynchronizerParameters = StaticSynchronizerParameters.defaultsWithoutKMS(ProtocolVersion.latest)
)
if (!participant1.synchronizers.is_registered("da")) participant1.synchronizers.connect_local(sequencer1, "da")
else if (!participant1.synchronizers.active("da")) participant1.synchronizers.reconnect("da")
utils.retry_until_true { participant1.synchronizers.active("da") }
val sid = participant1.synchronizers.id_of("da")
println(s"SYNC $sid")
`;
const SHORT = ['-C', 'canton.parameters.timeouts.console.bounded=2s'];

async function twoStarts(prefix: string, memory: string[]) {
  const persistent = ['sequencer1', 'mediator1', 'participant1'].filter((n) => !memory.includes(n));
  for (const n of persistent) await pg.createDatabase(`${prefix}_${n}`);
  const storage = (n: string) => memory.includes(n)
    ? 'storage.type = memory'
    : `storage { type = postgres, config.properties { serverName = "${pg.host}", portNumber = ${pg.port}, databaseName = "${prefix}_${n}", user = "${pg.user}", password = "${pg.password}" } }`;
  const ports = await allocPorts(1);
  const a = await startDaemon({ ports, storage, bootstrap: BOOT, extraArgs: SHORT });
  const first = /SYNC (\S+)/.exec(a.out())?.[1];
  await a.stop();
  const b = await startDaemon({ ports, storage, bootstrap: BOOT, extraArgs: SHORT, wait: false });
  // A daemon runs until stopped: wait for its ports file (ready) or its exit.
  await waitFor(() => portsFileComplete(b.portsFile) || b.proc.exitCode !== null, 30_000, 'ports file or exit');
  const exit = b.proc.exitCode === null ? undefined : await b.exited;
  await b.stop();
  return { first, exit, out: b.out() + b.err(), log: readIf(join(b.cwd, 'log', 'canton.log')) ?? '' };
}

describe('restart on persisted state', () => {
  test('every node on Postgres: the same synchronizer id again, bootstrap idempotent', async () => {
    const r = await twoStarts('rs_all', []);
    expect(r.first).toMatch(/^da::1220[0-9a-f]{64}$/);
    expect(r.exit).toBeUndefined();
    expect(r.out).toContain(`SYNC ${r.first}`);
  });

  test('memory sequencer and mediator, Postgres participant: the participant never becomes active (exit 3)', async () => {
    const r = await twoStarts('rs_mem_sync', ['sequencer1', 'mediator1']);
    expect(r.exit?.code, r.log + r.out).toBe(3);
    expect(r.log).toMatch(/Bootstrap script terminated with an error: .*(retry_until_true|condition never became true)/is);
    expect(r.out).not.toContain('SYNC ');
  });

  test('memory sequencer, Postgres mediator: the mediator is initialized for the old id (exit 3)', async () => {
    const r = await twoStarts('rs_mem_seq', ['sequencer1']);
    expect(r.exit?.code, r.log + r.out).toBe(3);
    expect(r.log).toMatch(/The synchronizer cannot be bootstrapped: MED::mediator1::1220[0-9a-f]+ has already been initialized for synchronizer da::1220[0-9a-f]+ instead of da::1220/);
  });
});
