// The reference signer (examples/reference-signer) under `security: jwt+mtls`: with only what
// canton-mpc hands it (token file, CA, client certificate, https URL) it follows its party's
// contracts and acts on each, while its token is refreshed underneath it.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';
import { PENDING_DEPOSIT, useReferenceSigner, waitUntil } from '../support/reference-signer.js';

let p: CliProject | undefined;
afterAll(async () => {
  await p?.cleanup();
});

/** The test's own client: HTTPS with the generated CA and client certificate, a token from `canton-mpc token`. */
function securedLedger(project: CliProject, base: string, token: () => Promise<string>) {
  const s = join(project.stateDir, 'secrets', 'tls');
  const tls = { ca: readFileSync(join(s, 'ca.crt')), cert: readFileSync(join(s, 'clients', 'canton-mpc.crt')), key: readFileSync(join(s, 'clients', 'canton-mpc.key')) };
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const auth = await token();
    return new Promise((resolve, reject) => {
      const r = request(base + path, { ...tls, method, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) reject(new Error(`${method} ${path} → ${res.statusCode}: ${text}`));
          else resolve(JSON.parse(text));
        });
      });
      r.on('error', reject);
      r.end(body === undefined ? undefined : JSON.stringify(body));
    });
  };
  return {
    async create(party: string, commandId: string): Promise<string> {
      const r = await call('POST', '/v2/commands/submit-and-wait-for-transaction', { commands: { commands: [{ CreateCommand: { templateId: PENDING_DEPOSIT, createArguments: { issuer: party, amount: '10' } } }], commandId, actAs: [party], userId: 'issuer-user' } });
      return r.transaction.events[0].CreatedEvent.contractId as string;
    },
    async claims(party: string): Promise<Map<string, number>> {
      const end = (await call('GET', '/v2/state/ledger-end')).offset as number;
      const out = new Map<string, number>();
      if (end === 0) return out;
      const ups = await call('POST', '/v2/updates?limit=200', { beginExclusive: 0, endInclusive: end, updateFormat: { includeTransactions: { transactionShape: 'TRANSACTION_SHAPE_LEDGER_EFFECTS', eventFormat: { filtersByParty: { [party]: {} } } } } });
      for (const u of ups) for (const e of u.update.Transaction?.value.events ?? []) {
        const x = e.ExercisedEvent;
        if (x && x.choice === 'ClaimDeposit') out.set(x.contractId, (out.get(x.contractId) ?? 0) + 1);
      }
      return out;
    },
  };
}

describe('reference signer under security: jwt+mtls', () => {
  it('acts exactly once on each contract over HTTPS with refreshed tokens', async () => {
    p = await makeProject();
    await useReferenceSigner(p, { config: { security: 'jwt+mtls', auth: { type: 'generated', tokenLifetime: '6s' } } });
    const up = await p.run(['up', '--timeout', '60s'], { timeoutMs: 90_000 });
    expect(up.exitCode, up.stderr).toBe(0);
    const issuer: string = p.state().parties.Issuer.id;
    const token = async () => (await p!.run(['token', '--user', 'issuer-user'])).stdout.trim();
    const ledger = securedLedger(p, `https://127.0.0.1:${p.ports.participant1.json}`, token);
    const tokenFile = join(p.stateDir, 'secrets', 'tokens', 'signer.token');
    const firstToken = readFileSync(tokenFile, 'utf8');
    const cids = [await ledger.create(issuer, 'secure-1')];
    await waitUntil(async () => (await ledger.claims(issuer)).get(cids[0]!) === 1, 20_000, 'the first claim');
    // Past a refresh (every 4 s): the signer keeps working with the new token.
    await waitUntil(async () => readFileSync(tokenFile, 'utf8') !== firstToken, 15_000, 'a refreshed token');
    cids.push(await ledger.create(issuer, 'secure-2'));
    await waitUntil(async () => { const m = await ledger.claims(issuer); return cids.every((c) => m.get(c) === 1) && m; }, 20_000, 'both claims');
    // Past the expiry of the token its WebSocket was opened with: Canton ends the stream with
    // ACCESS_TOKEN_EXPIRED at the next element; the signer reconnects with the current token.
    const firstExpMs = (JSON.parse(Buffer.from(firstToken.trim().split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, firstExpMs - Date.now()) + 300));
    cids.push(await ledger.create(issuer, 'secure-3'));
    await waitUntil(async () => { const m = await ledger.claims(issuer); return cids.every((c) => m.get(c) === 1) && m; }, 20_000, 'three claims');
    await new Promise((r) => setTimeout(r, 1_000));
    expect([...(await ledger.claims(issuer)).values()]).toEqual([1, 1, 1]);
    const log = readFileSync(join(p.stateDir, 'logs', 'signer.log'), 'utf8');
    expect(log).toMatch(/stream-error mode=websocket error=.*ACCESS_TOKEN_EXPIRED/);
    expect(log).not.toMatch(/fatal/);
    expect(log).not.toContain(firstToken.trim());
  });
});
