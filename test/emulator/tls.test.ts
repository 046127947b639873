// HTTPS and mTLS of the emulated JSON API and Admin API, and Admin-API token checks, as Canton
// 3.4.11 configures them (see src/security.ts for the source files each rule comes from).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCa, issueLeaf, loadIssuer } from '../../src/security/certs.js';
import { startDaemon, type Daemon } from './harness.js';

const SECRET = 'admin-secret-admin-secret-admin-secret!';
const running: Daemon[] = [];
afterAll(async () => { for (const d of running) await d.stop(); });

let dir: string;
let ca: string;
let client: { cert: string; key: string };
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text, { mode: 0o600 }); return p; };
let paths: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emu-tls-'));
  const c = await createCa('test CA');
  const issuer = await loadIssuer(c.certPem, c.keyPem);
  const server = await issueLeaf(issuer, { name: 'node', kind: 'server', hosts: ['localhost', '127.0.0.1'] });
  const cl = await issueLeaf(issuer, { name: 'client', kind: 'client' });
  ca = c.certPem;
  client = { cert: cl.certPem, key: cl.keyPem };
  paths = { ca: file('ca.crt', c.certPem), cert: file('node.crt', server.certPem), key: file('node.key', server.keyPem), ccert: file('client.crt', cl.certPem), ckey: file('client.key', cl.keyPem) };
});

const tlsBlock = (clientAuth: string) => `tls {
  cert-chain-file = "${paths.cert}"
  private-key-file = "${paths.key}"
  trust-collection-file = "${paths.ca}"
  client-auth { ${clientAuth} }
}`;

type Answer = { status: number | string; body: string };
function call(url: string, o: { ca?: string; cert?: string; key?: string; method?: string; body?: string; token?: string } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const r = request(url, { ca: o.ca, cert: o.cert, key: o.key, method: o.method ?? 'GET', headers: { 'content-type': 'application/json', ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (x: Buffer) => chunks.push(x));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', (e: NodeJS.ErrnoException) => resolve({ status: e.code ?? e.message, body: '' }));
    r.end(o.body);
  });
}

test('ledger-api.tls with client-auth require: the JSON API serves HTTPS with that certificate and wants a client certificate; the Admin API checks privileged tokens', async () => {
  const extra = `ledger-api.${tlsBlock(`type = "require", admin-client { cert-chain-file = "${paths.ccert}", private-key-file = "${paths.ckey}" }`)}
  admin-api.${tlsBlock('type = "none"')}
  admin-api.auth-services = [{ type = unsafe-jwt-hmac-256, secret = "${SECRET}", privileged = true, access-level = admin, target-scope = "adm" }]`;
  const d = await startDaemon({ participantExtra: extra });
  running.push(d);
  const https = d.json(0).replace('http:', 'https:');
  expect((await call(`${https}/livez`, { ca, ...client })).status).toBe(200);
  // The served certificate is ours: trusted through our CA only.
  expect(String((await call(`${https}/livez`, client)).status)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  // No client certificate: the handshake fails (no HTTP status at all).
  expect(typeof (await call(`${https}/livez`, { ca })).status).toBe('string');
  // Plain HTTP to an HTTPS port gets no answer from the JSON API.
  expect(await fetch(`${d.json(0)}/livez`).then((r) => r.status, () => 'refused')).not.toBe(200);

  const admin = `https://127.0.0.1:${d.ports.p[0]!.admin}/emulator/console`;
  const rpc = (token?: string) => call(admin, { ca, method: 'POST', body: JSON.stringify({ node: 'participant1', op: 'participant.ledger_end', args: {} }), token });
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2m').sign(new TextEncoder().encode(SECRET));
  expect(JSON.parse((await rpc()).body).error.code).toBe('UNAUTHENTICATED');
  expect(JSON.parse((await rpc(await sign({ sub: 'participant_admin', scope: 'daml_ledger_api' }))).body).error.code).toBe('UNAUTHENTICATED');
  const ok = JSON.parse((await rpc(await sign({ sub: 'participant_admin', scope: 'adm' }))).body);
  expect(ok.ok, JSON.stringify(ok)).toBe(true);
});

test('client-auth require without admin-client, or a missing certificate file: the node does not start', async () => {
  const bad = await startDaemon({ participantExtra: `ledger-api.${tlsBlock('type = "require"')}`, wait: false });
  running.push(bad);
  expect((await bad.exited).code).toBe(1);
  expect(bad.out() + bad.err() + (await import('node:fs')).readFileSync(join(bad.cwd, 'log', 'canton.log'), 'utf8')).toContain('type require needs admin-client');
  const esLife = await startDaemon({ participantExtra: `ledger-api.auth-services = [{ type = jwt-es-256-crt, certificate = "${paths.cert}", max-token-life = 1m }]`, wait: false });
  running.push(esLife);
  expect((await esLife.exited).code).toBe(1); // ES types have no max-token-life (AuthServiceConfig.scala)
  const missing = await startDaemon({ participantExtra: `ledger-api.tls { cert-chain-file = "${join(dir, 'nope.crt')}", private-key-file = "${paths.key}" }`, wait: false });
  running.push(missing);
  expect((await missing.exited).code).toBe(1);
});
