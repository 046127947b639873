// The reference signer (examples/reference-signer) supervised by `up`: what canton-mpc hands a signer
// is enough for a real one to follow its party's contracts and act on each exactly once, across a
// kill, a crash between submission and checkpoint, and a cut WebSocket.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';
import { ledgerOf, useReferenceSigner, waitUntil } from '../support/reference-signer.js';

const projects: CliProject[] = [];
afterEach(async () => {
  while (projects.length) await projects.pop()!.cleanup();
});

const UP_TIMEOUT_MS = 90_000;
const ACT_TIMEOUT_MS = 20_000;
/** After the last expected exercise, how long to keep watching for a second one. */
const SETTLE_MS = 1_500;

async function upWithSigner(o: Parameters<typeof useReferenceSigner>[1] & { upEnv?: Record<string, string> } = {}) {
  const p = await makeProject();
  projects.push(p);
  const s = await useReferenceSigner(p, o);
  const up = await p.run(['up', '--timeout', '60s'], { env: o.upEnv, timeoutMs: UP_TIMEOUT_MS });
  expect(up.exitCode, up.stderr).toBe(0);
  const st = p.state();
  const issuer: string = st.parties.Issuer.id;
  const ledger = ledgerOf(`http://127.0.0.1:${p.ports.participant1.json}`);
  const signerLog = () => readFileSync(join(p.stateDir, 'logs', 'signer.log'), 'utf8');
  const health = () => fetch(`http://127.0.0.1:${s.healthPort}/health`).then((r) => r.status).catch(() => 0);
  return { p, issuer, ledger, signerLog, health };
}

const actedOn = async (ledger: ReturnType<typeof ledgerOf>, issuer: string, cids: string[]) =>
  waitUntil(async () => { const m = await ledger.exercises(issuer); return cids.every((c) => (m.get(c) ?? 0) >= 1) && m; }, ACT_TIMEOUT_MS, `exercises on ${cids.length} contract(s)`);

describe('reference signer under up', () => {
  it('acts once on every contract, before and after it is killed; resumes from its offset; health is 200 when live', async () => {
    const { p, issuer, ledger, signerLog, health } = await upWithSigner();
    await waitUntil(async () => (await health()) === 200, ACT_TIMEOUT_MS, 'signer health 200');
    const first = await ledger.createPendingDeposit(issuer, 'create-1');
    await actedOn(ledger, issuer, [first]);

    // Freeze the signer, create contracts it cannot see, then kill it: the supervisor restarts it and
    // it must pick them up from its persisted offset.
    const status = JSON.parse((await p.run(['status', '--json'])).stdout);
    const pid: number = status.signer.childPid;
    process.kill(pid, 'SIGSTOP');
    const later = [await ledger.createPendingDeposit(issuer, 'create-2'), await ledger.createPendingDeposit(issuer, 'create-3')];
    process.kill(pid, 'SIGKILL');
    const m = await actedOn(ledger, issuer, [first, ...later]);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const final = await ledger.exercises(issuer);
    expect([...final.values()]).toEqual([1, 1, 1]);
    expect(final).toEqual(m);
    expect(signerLog()).toMatch(/resume offset=\d+/);
    expect(signerLog()).not.toMatch(/fatal/);
  });

  it('a crash between submission and checkpoint does not act twice (deterministic command ids); a broken build does', async () => {
    const good = await upWithSigner({ env: { SIGNER_TEST_EXIT_AFTER_SUBMIT: '1' } });
    const cid = await good.ledger.createPendingDeposit(good.issuer, 'crash-1');
    await waitUntil(async () => /already-acted/.test(good.signerLog()) && true, ACT_TIMEOUT_MS, 'the restarted signer to be deduplicated');
    expect((await good.ledger.exercises(good.issuer)).get(cid)).toBe(1);

    // The same test against a build whose command ids are random: Canton cannot deduplicate, it acts again.
    const broken = await upWithSigner({ env: { SIGNER_TEST_EXIT_AFTER_SUBMIT: '1' }, randomCommandIds: true });
    const cid2 = await broken.ledger.createPendingDeposit(broken.issuer, 'crash-2');
    const m = await waitUntil(async () => { const x = await broken.ledger.exercises(broken.issuer); return (x.get(cid2) ?? 0) >= 2 && x; }, ACT_TIMEOUT_MS, 'a second exercise by the broken build');
    expect(m.get(cid2)).toBeGreaterThanOrEqual(2);
  });

  it('reconnects after the WebSocket is cut mid-stream and keeps acting once per contract', async () => {
    const { issuer, ledger, signerLog } = await upWithSigner({ upEnv: { CANTON_EMULATOR_WS_DROP_AFTER_MS: '700' } });
    const cids: string[] = [];
    for (let i = 0; i < 4; i++) {
      cids.push(await ledger.createPendingDeposit(issuer, `ws-cut-${i}`));
      await new Promise((r) => setTimeout(r, 400));
    }
    await actedOn(ledger, issuer, cids);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    expect([...(await ledger.exercises(issuer)).values()]).toEqual([1, 1, 1, 1]);
    const log = signerLog();
    expect(log.match(/connected mode=websocket/g)!.length).toBeGreaterThanOrEqual(2);
    expect(log).toMatch(/reconnect inMs=/);
  });

  it('with Postgres storage, and falls back to HTTP polling when WebSockets are refused', async () => {
    const { issuer, ledger, signerLog } = await upWithSigner({ config: { storage: 'postgres' }, upEnv: { CANTON_EMULATOR_WS_REFUSE: '1' } });
    const cids = [await ledger.createPendingDeposit(issuer, 'pg-1'), await ledger.createPendingDeposit(issuer, 'pg-2')];
    await actedOn(ledger, issuer, cids);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    expect([...(await ledger.exercises(issuer)).values()]).toEqual([1, 1]);
    expect(signerLog()).toMatch(/fallback to=poll/);
    expect(signerLog()).toMatch(/connected mode=poll/);
  });
});
