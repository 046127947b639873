// Issue 14 items 5, 7, 8: places where the emulator used to be kinder than Canton 3.4.11.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readIf, spawnCanton, startDaemon, type Daemon } from './harness.js';

let d: Daemon;
beforeAll(async () => { d = await startDaemon(); });
afterAll(async () => { await d?.stop(); });

const call = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(d.json(0) + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: (await r.json().catch(() => undefined)) as any };
};
const admin = { kind: { ParticipantAdmin: { value: {} } } };

describe('JSON API (item 7)', () => {
  test('a rights grant or revoke whose body userId differs from the path is INVALID_ARGUMENT (400)', async () => {
    expect((await call('POST', '/v2/users', { user: { id: 'u7' }, rights: [] })).status).toBe(200);
    for (const method of ['POST', 'PATCH']) {
      const other = await call(method, '/v2/users/u7/rights', { userId: 'someone-else', rights: [admin] });
      expect(other.status).toBe(400);
      expect(other.json).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(other.json.cause).toContain('u7 does not match user in body: Some(someone-else)');
      // A missing userId decodes as "" (relaxed codec) and does not match either.
      expect((await call(method, '/v2/users/u7/rights', { rights: [admin] })).status).toBe(400);
    }
    expect((await call('GET', '/v2/users/u7/rights')).json.rights).toEqual([]);
    expect((await call('POST', '/v2/users/u7/rights', { userId: 'u7', rights: [admin] })).status).toBe(200);
  });

  test('a parties pageSize above the maximum is refused; a users pageSize above it is clamped', async () => {
    const p = await call('GET', '/v2/parties?pageSize=10001');
    expect(p.status).toBe(400);
    expect(p.json.cause).toContain("Page size must not exceed the server's maximum of 10000");
    expect((await call('GET', '/v2/parties?pageSize=10000')).status).toBe(200);
    expect((await call('GET', '/v2/users?pageSize=5000')).status).toBe(200);
  });
});

describe('readiness signals (items 5, 8)', () => {
  test('/readyz is the Ledger API health: 200 while the bootstrap still runs, before any ports file', async () => {
    const b = await startDaemon({ bootstrap: 'nodes.local.start()\nutils.retry_until_true(timeout = 1.minutes) { participant1.synchronizers.active("nope") }\n', wait: false });
    try {
      let status = 0;
      for (let i = 0; i < 200 && status !== 200; i++) {
        status = await fetch(`${b.json()}/readyz`).then((r) => r.status, () => 0);
        if (status !== 200) await new Promise((r) => setTimeout(r, 25));
      }
      expect(status).toBe(200);
      expect(existsSync(b.portsFile)).toBe(false);
    } finally { await b.stop(); }
  });

  test('`run` exits when its script ends: no ports file, even when the config names one', async () => {
    const script = join(d.cwd, 'noop.canton');
    writeFileSync(script, 'println("done")\n');
    const conf = join(d.cwd, 'local-run.conf');
    writeFileSync(conf, `canton.parameters.ports-file = "run-ports.json"\ncanton.remote-participants.participant1 { ledger-api.port = ${d.ports.p[0]!.ledger}, admin-api.port = ${d.ports.p[0]!.admin} }\n`);
    const r = await spawnCanton(['run', script, '-c', conf], { cwd: d.cwd });
    expect((await r.exited).code).toBe(0);
    expect(r.out()).toContain('done');
    expect(existsSync(join(d.cwd, 'run-ports.json'))).toBe(false);
  });
});

describe('console signatures (item 8)', () => {
  const run = async (line: string) => {
    const script = join(d.cwd, `s${Math.random().toString(36).slice(2)}.canton`);
    writeFileSync(script, `val p = ${line}\nprintln("ok")\n`);
    const conf = join(d.cwd, 'remote-min.conf');
    writeFileSync(conf, `canton.remote-participants.participant1 { ledger-api.port = ${d.ports.p[0]!.ledger}, admin-api.port = ${d.ports.p[0]!.admin} }\n`);
    const r = await spawnCanton(['run', script, '-c', conf], { cwd: d.cwd });
    return { code: (await r.exited).code, err: r.err(), log: readIf(join(d.cwd, 'log', 'canton.log')) ?? '' };
  };
  test('StaticSynchronizerParameters.defaultsWithoutKMS(protocolVersion, serial, topologyChangeDelay)', async () => {
    expect((await run('StaticSynchronizerParameters.defaultsWithoutKMS(ProtocolVersion.latest, serial = NonNegativeInt.zero)')).code).toBe(0);
    const bad = await run('StaticSynchronizerParameters.defaultsWithoutKMS(ProtocolVersion.latest, mediatorReactionTimeout = 1.minutes)');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/mediatorReactionTimeout/);
  });
});
