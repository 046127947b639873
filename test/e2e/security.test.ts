// Secure staging end to end: `security: jwt+mtls` on Postgres against the emulator. up converges
// over HTTPS with tokens, the signer sees its token refreshed, the JSON API refuses what Canton
// refuses, every generated certificate verifies with openssl, and no key or token leaks.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import getPort from 'get-port';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { allCmdlines, filesUnder, makeProject, processesMentioning, type CliProject } from '../support/cli.js';

let p: CliProject | undefined;
afterAll(async () => {
  await p?.cleanup();
});

/** A stand-in signer: records a hash of each token it sees (never the token) and calls the JSON API with it over mTLS. */
const SIGNER = `
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
const e = process.env;
const seen = [];
const tls = e.CANTON_MPC_CA_FILE ? { ca: readFileSync(e.CANTON_MPC_CA_FILE), ...(e.CANTON_MPC_CLIENT_CERT_FILE ? { cert: readFileSync(e.CANTON_MPC_CLIENT_CERT_FILE), key: readFileSync(e.CANTON_MPC_CLIENT_KEY_FILE) } : {}) } : {};
const request = e.CANTON_MPC_JSON_API.startsWith('https:') ? httpsRequest : httpRequest;
const call = (token) => new Promise((resolve) => {
  const r = request(e.CANTON_MPC_JSON_API + '/v2/users/' + e.CANTON_MPC_USER_ID, { ...tls, headers: { authorization: 'Bearer ' + token } }, (res) => { res.resume(); resolve(res.statusCode); });
  r.on('error', (err) => resolve(String(err.code)));
  r.end();
});
const tick = async () => {
  const token = readFileSync(e.CANTON_MPC_TOKEN_FILE, 'utf8').trim();
  const hash = createHash('sha256').update(token).digest('hex');
  if (!seen.some((s) => s.hash === hash)) seen.push({ hash, status: await call(token), fileMode: 0 });
  writeFileSync('signer-seen.json', JSON.stringify({ seen, envToken: createHash('sha256').update(e.CANTON_MPC_TOKEN ?? '').digest('hex'), env: { file: e.CANTON_MPC_TOKEN_FILE, ca: e.CANTON_MPC_CA_FILE, cert: e.CANTON_MPC_CLIENT_CERT_FILE, key: e.CANTON_MPC_CLIENT_KEY_FILE, json: e.CANTON_MPC_JSON_API } }));
};
setInterval(() => void tick(), 300);
void tick();
createServer((_q, s) => s.end('ok')).listen(Number(e.HEALTH_PORT), '127.0.0.1', () => console.log('signer listening'));
`;

type Tls = { ca?: Buffer; cert?: Buffer; key?: Buffer };
function get(url: string, tls: Tls, token?: string): Promise<{ status: number | string; body: string }> {
  return new Promise((resolve) => {
    const r = request(url, { ...tls, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', (e: NodeJS.ErrnoException) => resolve({ status: e.code ?? e.message, body: '' }));
    r.end();
  });
}

/** What the stand-in signer recorded; undefined while it is (non-atomically) rewriting the file. */
function readSeen(dir: string) {
  try {
    return JSON.parse(readFileSync(join(dir, 'signer-seen.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('security: jwt+mtls with Postgres', () => {
  it('up converges over HTTPS, the signer token is refreshed, the JSON API refuses bad requests, certificates verify, nothing leaks', async () => {
    const healthPort = await getPort();
    p = await makeProject();
    writeFileSync(join(p.dir, 'signer.mjs'), SIGNER);
    p.writeConfig({
      security: 'jwt+mtls',
      storage: 'postgres',
      // Short-lived tokens so the test sees the supervisor refresh one (at two thirds: every 4 s).
      auth: { type: 'generated', tokenLifetime: '6s' },
      signer: { command: process.execPath, args: ['signer.mjs'], env: { HEALTH_PORT: String(healthPort) }, health: { url: `http://127.0.0.1:${healthPort}/health`, timeout: '30s' } },
    });
    const outputs: string[] = [];
    const run = async (args: string[]) => {
      const r = await p!.run(args);
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    const up = await run(['up', '--timeout', '90s', '--verbose']);
    expect(up.exitCode, up.stderr).toBe(0);
    const s = join(p.stateDir, 'secrets');
    const ca = readFileSync(join(s, 'tls', 'ca.crt'));
    const client: Tls = { ca, cert: readFileSync(join(s, 'tls', 'clients', 'canton-mpc.crt')), key: readFileSync(join(s, 'tls', 'clients', 'canton-mpc.key')) };
    const p1 = `https://127.0.0.1:${p.ports.participant1.json}`;
    const p2 = `https://127.0.0.1:${p.ports.participant2.json}`;

    // status: healthy, https endpoints, users exist (checked with canton-mpc's own token).
    const status = await run(['status', '--json']);
    expect(status.exitCode, status.stdout).toBe(0);
    const sj = JSON.parse(status.stdout);
    expect(sj.healthy).toBe(true);
    expect(sj.nodes.find((n: { name: string }) => n.name === 'participant1').jsonApi).toBe(p1);
    expect(sj.users.map((u: { exists: boolean }) => u.exists)).toEqual([true, true]);
    expect((await run(['status'])).stdout).toContain(p1);
    // users create / list go through the same client: mTLS and a participant_admin token.
    const created = await run(['users', 'create', '--participant', 'participant1', '--user', 'carol', '--party', 'Issuer']);
    expect(created.exitCode, created.stderr).toBe(0);
    expect((await run(['users', 'list', '--participant', 'participant1'])).stdout).toContain('carol');
    // A re-run converges without touching the key material (the CA and certificates stay as they are).
    const certsBefore = filesUnder(join(s, 'tls')).map((f) => readFileSync(f, 'utf8')).join('');
    const again = await run(['up', '--timeout', '90s']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(filesUnder(join(s, 'tls')).map((f) => readFileSync(f, 'utf8')).join('')).toBe(certsBefore);
    const dry = await run(['up', '--dry-run']);
    expect(dry.stdout + dry.stderr).toMatch(/secrets/);

    // A token for a person's curl: accepted on its participant, refused (401) by the other.
    const tok = await run(['token', '--user', 'issuer-user', '--lifetime', '1m']);
    expect(tok.exitCode, tok.stderr).toBe(0);
    const token = tok.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect((await get(`${p1}/v2/users/issuer-user`, client, token)).status).toBe(200);
    const other = await get(`${p2}/v2/users/issuer-user`, client, token);
    expect(other.status).toBe(401);
    expect(JSON.parse(other.body)).toMatchObject({ code: 'UNAUTHENTICATED', errorCategory: 6 });
    // No token: 401. A plain user asking for every user: 403 PERMISSION_DENIED.
    const none = await get(`${p1}/v2/users`, client);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).code).toBe('UNAUTHENTICATED');
    expect((await get(`${p1}/v2/users`, client, token)).status).toBe(403);
    // Expired, and signed with the right key: still 401.
    const key = await importPKCS8(readFileSync(join(s, 'jwt', 'signing.key'), 'utf8'), 'ES256');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    const expired = await new SignJWT({ ...claims, exp: undefined, iat: undefined }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt(Math.floor(Date.now() / 1000) - 120).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key);
    expect((await get(`${p1}/v2/users/issuer-user`, client, expired)).status).toBe(401);
    // Without a client certificate the TLS handshake itself fails; without the CA the server is not trusted.
    const noCert = await get(`${p1}/v2/version`, { ca });
    expect(typeof noCert.status, `no client cert: ${noCert.status}`).toBe('string');
    expect((await get(`${p1}/v2/version`, { cert: client.cert, key: client.key })).status).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);

    // The signer: token file 0600, CA and its own client cert, two different tokens over time, both accepted.
    const deadline = Date.now() + 20_000;
    let seen: { seen: Array<{ hash: string; status: number }>; envToken: string; env: Record<string, string> } | undefined;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      seen = readSeen(p.dir) ?? seen;
      if ((seen?.seen.length ?? 0) >= 2) break;
    }
    expect(seen?.seen.length, JSON.stringify(seen)).toBeGreaterThanOrEqual(2);
    expect(seen!.seen.slice(0, 2).map((x) => x.status)).toEqual([200, 200]);
    expect(seen!.env).toMatchObject({ file: join(s, 'tokens', 'signer.token'), ca: join(s, 'tls', 'ca.crt'), cert: join(s, 'tls', 'clients', 'signer.crt'), key: join(s, 'tls', 'clients', 'signer.key'), json: p1 });
    expect(seen!.envToken).toBe(seen!.seen[0]!.hash); // CANTON_MPC_TOKEN at start = the file's token then
    expect(statSync(join(s, 'tokens', 'signer.token')).mode & 0o777).toBe(0o600);

    // A refusal canton-mpc itself meets is decoded into a fix: a signing key Canton does not trust.
    const goodKey = readFileSync(join(s, 'jwt', 'signing.key'), 'utf8');
    const { generateKeyPairSync } = await import('node:crypto');
    writeFileSync(join(s, 'jwt', 'signing.key'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, { mode: 0o600 });
    const refused = await run(['users', 'list']);
    expect(refused.exitCode, refused.stderr).toBe(5);
    expect(refused.stderr).toContain('401 UNAUTHENTICATED');
    expect(refused.stderr).toMatch(/hint: .*canton-mpc down && canton-mpc up/);
    writeFileSync(join(s, 'jwt', 'signing.key'), goodKey, { mode: 0o600 });
    expect((await run(['users', 'list'])).exitCode).toBe(0);
    // A client certificate gone missing: named, with the fix; `up` makes it again.
    const { renameSync } = await import('node:fs');
    renameSync(join(s, 'tls', 'clients', 'canton-mpc.key'), join(p.dir, 'moved.key'));
    const noClient = await run(['users', 'list']);
    expect(noClient.exitCode).toBe(4);
    expect(noClient.stderr).toContain(join(s, 'tls', 'clients', 'canton-mpc.key'));
    expect(noClient.stderr).toContain('hint: run `canton-mpc up`');
    renameSync(join(p.dir, 'moved.key'), join(s, 'tls', 'clients', 'canton-mpc.key'));

    // The remote console: remote.conf (TLS client side) includes the 0600 token file; without tokens it is refused.
    const canton = join(p.release.cache, 'canton', '3.4.11', 'bin', 'canton');
    writeFileSync(join(p.dir, 'users.canton'), 'println(s"users=${participant1.ledger_api.users.list().users.map(_.id).mkString(",")}")\n');
    const consoleRun = () => {
      try {
        const out = execFileSync(canton, ['run', 'users.canton', '-c', join(p!.stateDir, 'config', 'remote.conf')], { cwd: p!.dir, env: { ...process.env, JAVA_HOME: p!.release.javaHome }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        outputs.push(out);
        return { code: 0, out };
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string };
        outputs.push(err.stdout, err.stderr);
        return { code: err.status, out: `${err.stdout}${err.stderr}` };
      }
    };
    expect((await run(['token', '--console'])).exitCode).toBe(0);
    const ok = consoleRun();
    expect(ok.out).toContain('users=carol,issuer-user,participant_admin');
    expect(ok.code).toBe(0);
    const tokensFile = join(s, 'tokens', 'console.conf');
    writeFileSync(tokensFile, '# no tokens\n', { mode: 0o600 });
    const noToken = consoleRun();
    expect(noToken.code).toBe(1);
    expect(noToken.out).toContain('UNAUTHENTICATED');
    expect((await run(['token', '--console'])).exitCode).toBe(0);
    expect(statSync(tokensFile).mode & 0o777).toBe(0o600);
    expect(consoleRun().code).toBe(0);

    // openssl verify for every generated certificate; keys 0600 in 0700 directories.
    const certs = filesUnder(join(s, 'tls')).filter((f) => f.endsWith('.crt') && !f.endsWith('ca.crt'));
    expect(certs.length).toBe(3 + 4 - 1 + 1); // 4 nodes + 3 clients
    for (const c of certs) {
      expect(execFileSync('openssl', ['verify', '-CAfile', join(s, 'tls', 'ca.crt'), c], { encoding: 'utf8' })).toContain(': OK');
    }
    const p1cert = new X509Certificate(readFileSync(join(s, 'tls', 'nodes', 'participant1.crt')));
    expect(p1cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(p1cert.subjectAltName).toContain('DNS:localhost');
    for (const f of filesUnder(s)) expect((statSync(f).mode & 0o777).toString(8), f).toBe('600');
    for (const d of [s, join(s, 'tls'), join(s, 'jwt'), join(s, 'tokens')]) expect((statSync(d).mode & 0o777).toString(8), d).toBe('700');

    // No private key, token or secret in outputs, logs, state, rendered files, argv, or other processes' environments.
    const keys = filesUnder(s).filter((f) => f.endsWith('.key')).map((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----')).join(''));
    const consoleTokens = [...readFileSync(join(s, 'tokens', 'console.conf'), 'utf8').matchAll(/token = "([^"]+)"/g)].map((m) => m[1]!);
    expect(consoleTokens.length).toBe(4);
    const signerToken = readFileSync(join(s, 'tokens', 'signer.token'), 'utf8').trim();
    const secrets = [...keys, ...consoleTokens, signerToken, token];
    for (const k of keys) expect(k.length).toBeGreaterThan(100);
    const pids = processesMentioning(p.dir);
    const cmdlines = pids.map((pid) => allCmdlines().get(pid) ?? '').join('\n');
    const signerPid = sj.signer.childPid as number;
    const environs = pids.filter((pid) => pid !== signerPid).map((pid) => { try { return readFileSync(`/proc/${pid}/environ`, 'latin1'); } catch { return ''; } }).join('\n');
    expect(environs.length).toBeGreaterThan(0);
    await run(['logs', 'canton', '--lines', '1000']);
    await run(['logs', 'signer']);
    const files = filesUnder(p.stateDir).filter((f) => !f.startsWith(s) && !f.startsWith(join(p!.stateDir, 'postgres')));
    expect(files.some((f) => f.endsWith('remote.conf'))).toBe(true);
    const fileText = files.map((f) => readFileSync(f, 'latin1')).join('\n');
    const otherOutputs = outputs.filter((o) => o !== tok.stdout).join('\n');
    for (const secret of secrets) {
      const id = sha(secret).slice(0, 8);
      expect(otherOutputs.includes(secret), `outputs ${id}`).toBe(false);
      expect(cmdlines.includes(secret), `argv ${id}`).toBe(false);
      expect(environs.includes(secret), `environ ${id}`).toBe(false);
      expect(fileText.includes(secret), `files ${id}`).toBe(false);
    }
    // The one place a token is printed: `canton-mpc token`'s stdout, asked for.
    expect(outputs.filter((o) => o.includes(token))).toEqual([tok.stdout]);
  });

  it('unsafe-jwt-hmac-256 (secret from the environment): Canton reads it through ${?VAR}, the supervisor mints from its 0600 copy, the signer is accepted', async () => {
    const secret = 'hmac-secret-for-the-e2e-test-0123456789';
    const healthPort = await getPort();
    const q = await makeProject({ env: { CANTON_MPC_E2E_HMAC: secret } });
    try {
      writeFileSync(join(q.dir, 'signer.mjs'), SIGNER);
      q.writeConfig({
        security: 'jwt',
        auth: { type: 'unsafe-jwt-hmac-256', secretEnv: 'CANTON_MPC_E2E_HMAC', tokenLifetime: '6s' },
        signer: { command: process.execPath, args: ['signer.mjs'], env: { HEALTH_PORT: String(healthPort) }, health: { url: `http://127.0.0.1:${healthPort}/health`, timeout: '30s' } },
      });
      const up = await q.run(['up', '--timeout', '90s']);
      expect(up.exitCode, up.stderr).toBe(0);
      const conf = readFileSync(join(q.stateDir, 'config', 'canton.conf'), 'utf8');
      expect(conf).toContain('secret = ${?CANTON_MPC_E2E_HMAC}');
      expect(conf).not.toContain(secret);
      expect(statSync(join(q.stateDir, 'secrets', 'jwt', 'hmac.secret')).mode & 0o777).toBe(0o600);
      const deadline = Date.now() + 20_000;
      let seen: { seen: Array<{ status: number }> } | undefined;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        seen = readSeen(q.dir) ?? seen;
        if ((seen?.seen.length ?? 0) >= 2) break;
      }
      expect(seen!.seen.slice(0, 2).map((x) => x.status)).toEqual([200, 200]);
      expect((await q.run(['status'])).exitCode).toBe(0);
      for (const f of filesUnder(q.stateDir).filter((x) => !x.includes('/secrets/') && !x.includes('/postgres/'))) expect(readFileSync(f, 'latin1').includes(secret), f).toBe(false);
    } finally {
      await q.cleanup();
    }
  });
});
