// JWT auth on the JSON API: hmac, JWKS and an RS256 certificate made with openssl.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importPKCS8, SignJWT } from 'jose';
import { afterAll, expect, test } from 'vitest';
import { startDaemon, type Daemon } from './harness.js';

const running: Array<Daemon | Server> = [];
afterAll(async () => { for (const r of running) 'stop' in r ? await r.stop() : r.close(); });

const SECRET = 'test-secret-test-secret-test-secret!';
const hmacKey = new TextEncoder().encode(SECRET);
const token = (claims: Record<string, unknown>, exp: string | null = '4m') => {
  const j = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (exp) j.setExpirationTime(exp);
  return j.sign(hmacKey);
};
const get = (url: string, tok?: string, init: RequestInit = {}) => fetch(url, { ...init, headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...(init.headers ?? {}) } });

test('unsafe-jwt-hmac-256: open health, 401 without/with bad token, exp rules, aud/scope, rights → 403', async () => {
  const bootstrap = (await import('./harness.js')).BOOTSTRAP + `participant1.ledger_api.users.create(id = "alice", actAs = Set(issuer), primaryParty = Some(issuer))\n`;
  const d = await startDaemon({ bootstrap, participantExtra: `ledger-api.auth-services = [{ type = unsafe-jwt-hmac-256, secret = "${SECRET}" }]` });
  running.push(d);
  const b = d.json();
  expect((await get(`${b}/livez`)).status).toBe(200);
  expect((await get(`${b}/readyz`)).status).toBe(200);
  const none = await get(`${b}/v2/version`);
  expect(none.status).toBe(401);
  expect(await none.json()).toMatchObject({ code: 'UNAUTHENTICATED', errorCategory: 6, grpcCodeValue: 16 });
  const admin = await token({ sub: 'participant_admin', scope: 'daml_ledger_api' });
  expect((await get(`${b}/v2/version`, admin)).status).toBe(200);
  expect((await get(`${b}/v2/users`, admin)).status).toBe(200);
  expect((await get(`${b}/v2/version`, await token({ sub: 'participant_admin', scope: 'daml_ledger_api' }, null))).status).toBe(401); // no exp
  expect((await get(`${b}/v2/version`, await token({ sub: 'participant_admin', scope: 'daml_ledger_api' }, '10m'))).status).toBe(401); // > 5 min
  expect((await get(`${b}/v2/version`, await token({ sub: 'participant_admin', scope: 'daml_ledger_api' }, '-1m'))).status).toBe(401); // expired
  expect((await get(`${b}/v2/version`, await token({ sub: 'participant_admin' }))).status).toBe(401); // neither scope nor aud
  const pid = ((await (await get(`${b}/v2/parties/participant-id`, admin)).json()) as { participantId: string }).participantId;
  expect((await get(`${b}/v2/version`, await token({ sub: 'participant_admin', aud: `https://daml.com/jwt/aud/participant/${pid}` }))).status).toBe(200);
  const forged = await new SignJWT({ sub: 'participant_admin', scope: 'daml_ledger_api' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('4m').sign(new TextEncoder().encode('wrong-secret-wrong-secret-wrong!!'));
  expect((await get(`${b}/v2/version`, forged)).status).toBe(401);
  // alice: CanActAs(issuer) only
  const alice = await token({ sub: 'alice', scope: 'daml_ledger_api' });
  const denied = await get(`${b}/v2/users`, alice);
  expect(denied.status).toBe(403);
  expect(await denied.json()).toMatchObject({ code: 'PERMISSION_DENIED', errorCategory: 7 });
  expect((await get(`${b}/v2/users/alice`, alice)).status).toBe(200); // own user
  expect((await get(`${b}/v2/parties`, alice, { method: 'POST', body: '{"partyIdHint":"x"}' })).status).toBe(403);
  const issuer = /Issuer: {2}(\S+)/.exec(d.out())![1]!;
  const depositor = /Depositor: (\S+)/.exec(d.out())![1]!;
  const submit = (actAs: string, userId?: string, commandId = 'c1') => get(`${b}/v2/commands/submit-and-wait`, alice, { method: 'POST', body: JSON.stringify({ commands: [{ CreateCommand: { templateId: 'a:B:C', createArguments: { owner: actAs } } }], commandId, actAs: [actAs], ...(userId !== undefined ? { userId } : {}) }) });
  expect((await submit(issuer)).status).toBe(200);
  expect((await submit(depositor)).status).toBe(403);
  // The submission's userId must be the token's user (Authorizer.scala MatchUserId); empty defaults to it.
  expect((await submit(issuer, 'alice', 'c2')).status).toBe(200);
  const other = await submit(issuer, 'participant_admin', 'c3');
  expect(other.status).toBe(403);
  expect(await other.json()).toMatchObject({ code: 'PERMISSION_DENIED', cause: expect.stringContaining("Claims are only valid for userId 'alice', actual userId is 'participant_admin'") });
  expect((await get(`${b}/v2/version`, await token({ sub: 'nobody', scope: 'daml_ledger_api' }))).status).toBe(403);
});

test('jwt-jwks and jwt-rs-256-crt (openssl certificate), target-audience', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const jwks = createServer((_q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end(JSON.stringify({ keys: [jwk] })); });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()));
  running.push(jwks);
  const port = (jwks.address() as { port: number }).port;
  const d = await startDaemon({ participantExtra: `ledger-api.auth-services = [{ type = jwt-jwks, url = "http://127.0.0.1:${port}/jwks.json" }]` });
  running.push(d);
  const t = await new SignJWT({ sub: 'participant_admin', scope: 'daml_ledger_api' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setExpirationTime('4m').sign(privateKey);
  expect((await get(`${d.json()}/v2/users`, t)).status).toBe(200);
  expect((await get(`${d.json()}/v2/users`)).status).toBe(401);

  // RS256 certificate made by openssl
  const dir = d.cwd;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.crt'), '-days', '1', '-subj', '/CN=jwt'], { stdio: 'ignore' });
  const key = await importPKCS8(readFileSync(join(dir, 'k.pem'), 'utf8'), 'RS256');
  const e = await startDaemon({ participantExtra: `ledger-api.auth-services = [{ type = jwt-rs-256-crt, certificate = "${join(dir, 'c.crt')}", target-audience = "my-aud" }]\n ledger-api.max-token-lifetime = Inf` });
  running.push(e);
  const good = await new SignJWT({ sub: 'participant_admin', aud: 'my-aud' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('2h').sign(key);
  expect((await get(`${e.json()}/v2/users`, good)).status).toBe(200); // Inf lifetime allows 2 h
  const wrongAud = await new SignJWT({ sub: 'participant_admin', scope: 'daml_ledger_api' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('2m').sign(key);
  expect((await get(`${e.json()}/v2/users`, wrongAud)).status).toBe(401);
});
