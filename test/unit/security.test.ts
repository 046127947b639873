// Pure and near-pure security code: token claims per setup, rendered auth/TLS HOCON, generated
// certificates (verified with openssl), material observation and renewal, doctor's expiry warnings.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, importX509, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/parse.js';
import { toTopology } from '../../src/config/topology.js';
import type { Topology } from '../../src/config/types.js';
import { renderProject } from '../../src/render/index.js';
import { claimsFor, loadSigningKey, mintToken, ADMIN_SCOPE } from '../../src/security/tokens.js';
import { ensureMaterial, missingMaterial } from '../../src/security/materials.js';
import { checkCertificates, checkTokenLifetime } from '../../src/security/doctor.js';
import { writeConsoleTokens } from '../../src/security/console-tokens.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'cmpc-sec-')); dirs.push(d); return d; };
const topo = (yaml: string, dir = '/proj'): Topology => toTopology(parseConfigText(yaml, 'canton-mpc.yaml', { format: 'yaml' }), dir);

describe('token claims (AuthServiceJWTPayload)', () => {
  it.each([
    ['generated: per-participant audience', 'security: jwt\n', { participant: 'participant2', user: 'u' }, { iss: 'canton-mpc', sub: 'u', aud: ['https://canton-mpc/participants/participant2'] }],
    ['console token adds the admin scope', 'security: jwt\n', { participant: 'participant1', user: 'participant_admin', admin: true }, { sub: 'participant_admin', aud: ['https://canton-mpc/participants/participant1'], scope: ADMIN_SCOPE }],
    ['configured audience wins', 'security: jwt\nauth: { type: generated, targetAudience: my-aud }\n', { participant: 'participant2', user: 'u' }, { sub: 'u', aud: ['my-aud'] }],
    ['configured scope', 'security: jwt\nauth: { type: generated, targetScope: my-scope }\n', { participant: 'participant1', user: 'u' }, { sub: 'u', scope: 'my-scope' }],
    ['JWKS: Canton\'s standard scope', 'security: jwt\nauth: { type: jwt-jwks, url: "https://i/j", adminTokenEnv: T }\n', { participant: 'participant1', user: 'u' }, { sub: 'u', scope: 'daml_ledger_api' }],
  ])('%s', (_n, yaml, req, expected) => {
    const c = claimsFor(topo(yaml).security.jwt!, req);
    expect(c).toEqual(expect.objectContaining(expected));
    if (!('aud' in expected)) expect(c.aud).toBeUndefined();
  });
});

describe('rendered HOCON', () => {
  it('jwt: auth services on the Ledger API (audience per participant) and privileged on every Admin API; no TLS', () => {
    const conf = renderProject(topo('security: jwt\nauth: { type: generated, algorithm: RS256, maxTokenLifetime: 3m }\n'), { darExists: () => true })[0]!.content;
    expect(conf).toContain('type = "jwt-rs-256-crt"');
    expect(conf).toContain('target-audience = "https://canton-mpc/participants/participant1"');
    expect(conf).toContain('target-audience = "https://canton-mpc/participants/participant2"');
    expect(conf.match(/privileged = true/g)).toHaveLength(4); // 2 participants, sequencer, mediator
    expect(conf).toContain('max-token-life = "3m"');
    expect(conf).toContain('max-token-lifetime = "3m"');
    expect(conf).not.toContain('tls {');
  });
  it('HMAC: the secret only as an environment substitution', () => {
    const conf = renderProject(topo('security: jwt\nauth: { type: unsafe-jwt-hmac-256, secretEnv: MY_SECRET }\n'), { darExists: () => true })[0]!.content;
    expect(conf).toContain('secret = ${?MY_SECRET}');
  });
  it('jwt+tls: server TLS everywhere without client auth, remote.conf trusts the CA and includes the token file', () => {
    const [conf, , remote] = renderProject(topo('security: jwt+tls\n'), { darExists: () => true });
    expect(conf!.content.match(/client-auth \{\n\s+type = "none"/g)).toHaveLength(6); // ledger + admin of 2 participants, sequencer and mediator admin
    expect(conf!.content).toContain('cert-chain-file = "/proj/.canton-mpc/secrets/tls/nodes/sequencer1.crt"');
    expect(remote!.content).toContain('trust-collection-file = "/proj/.canton-mpc/secrets/tls/ca.crt"');
    expect(remote!.content).not.toContain('client-cert');
    expect(remote!.content).toContain('include required(file("/proj/.canton-mpc/secrets/tokens/console.conf"))');
  });
  it('none: nothing added', () => {
    const [conf, , remote] = renderProject(topo(''), { darExists: () => true });
    expect(conf!.content).not.toMatch(/auth-services|tls|privileged/);
    expect(remote!.content).not.toContain('include');
  });
});

describe('generated material', () => {
  it('CA, node and client certificates verify with openssl; 0600 files in 0700 dirs; re-run makes nothing; rotation keeps the CA', async () => {
    const dir = tmp();
    const t = topo('security: jwt+mtls\ntls: { extraHosts: [canton.example, 10.1.2.3] }\n', dir);
    expect(await missingMaterial(t)).toContain('the CA');
    const made = await ensureMaterial(t, { env: {} });
    expect(made.length).toBe(1 + 1 + 4 + 3 + 1); // JWT cert, CA, 4 nodes, 3 clients, console tokens
    expect(await missingMaterial(t)).toEqual([]);
    expect(await ensureMaterial(t, { env: {} })).toEqual([]);
    const s = join(dir, '.canton-mpc', 'secrets');
    const ca = join(s, 'tls', 'ca.crt');
    for (const f of made.filter((x) => x.endsWith('.crt') && x !== ca && !x.includes('jwt'))) {
      expect(execFileSync('openssl', ['verify', '-CAfile', ca, f], { encoding: 'utf8' })).toContain(': OK');
    }
    const text = execFileSync('openssl', ['x509', '-in', join(s, 'tls', 'nodes', 'participant1.crt'), '-noout', '-ext', 'subjectAltName,extendedKeyUsage'], { encoding: 'utf8' });
    expect(text).toMatch(/DNS:localhost/);
    expect(text).toMatch(/IP Address:127\.0\.0\.1/);
    expect(text).toMatch(/DNS:canton\.example/);
    expect(text).toMatch(/IP Address:10\.1\.2\.3/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(execFileSync('openssl', ['x509', '-in', ca, '-noout', '-enddate'], { encoding: 'utf8' })).toMatch(new RegExp(`notAfter=.*${new Date().getUTCFullYear() + 10}`));
    expect(readFileSync(join(s, 'tls', 'nodes', 'participant1.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/); // PKCS8
    expect(statSync(join(s, 'tls', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(s, 'tls')).mode & 0o777).toBe(0o700);
    // A changed address makes that node's certificate stale, and only that one.
    const moved = topo('security: jwt+mtls\ntls: { extraHosts: [canton.example, 10.1.2.3] }\nparticipants: { participant1: { address: 127.0.0.2 }, participant2: {} }\n', dir);
    expect(await missingMaterial(moved)).toEqual(['the server certificate of participant1']);
    const v6 = topo('security: jwt+tls\nparticipants: { participant1: { address: "fd00::1:2" }, participant2: {} }\n', tmp());
    await ensureMaterial(v6, { env: {} });
    expect(await missingMaterial(v6)).toEqual([]); // an IPv6 address is recognised in the issued SAN
    const caBefore = readFileSync(ca, 'utf8');
    const p2Before = readFileSync(join(s, 'tls', 'nodes', 'participant2.crt'), 'utf8');
    const rotated = await ensureMaterial(t, { renewLeaves: true });
    expect(rotated).toHaveLength(7);
    expect(readFileSync(ca, 'utf8')).toBe(caBefore);
    expect(readFileSync(join(s, 'tls', 'nodes', 'participant2.crt'), 'utf8')).not.toBe(p2Before);
    // doctor: fine today, warns 30 days before a leaf expires.
    expect((await checkCertificates(t)).status).toBe('ok');
    const later = await checkCertificates(t, new Date(Date.now() + 380 * 86_400_000));
    expect(later).toMatchObject({ status: 'warn', required: false });
    expect(later.fix).toContain('canton-mpc rotate-certs');
  });

  it('minted tokens verify against the generated certificate and stay within the lifetime; console tokens file is 0600', async () => {
    const dir = tmp();
    const t = topo('security: jwt\n', dir);
    await ensureMaterial(t, { env: {} });
    const jwt = t.security.jwt!;
    const now = Date.now();
    const token = await mintToken(jwt, await loadSigningKey(jwt, { env: {}, secretsDir: t.security.secretsDir }), { participant: 'participant1', user: 'alice' }, now);
    const cert = await importX509(readFileSync(jwt.certificate!, 'utf8'), 'ES256');
    const { payload } = await jwtVerify(token, cert);
    expect(payload.sub).toBe('alice');
    expect(payload.exp! - payload.iat!).toBe(240);
    const file = await writeConsoleTokens(t, {});
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const tokens = [...readFileSync(file!, 'utf8').matchAll(/canton\.remote-(\w+)s\.(\w+)\.token = "([^"]+)"/g)];
    expect(tokens.map((m) => `${m[1]}.${m[2]}`)).toEqual(['sequencer.sequencer1', 'mediator.mediator1', 'participant.participant1', 'participant.participant2']);
    expect(decodeJwt(tokens[0]![3]!).scope).toBe(ADMIN_SCOPE);
  });
});

describe('doctor: token lifetimes', () => {
  it.each([
    ['defaults', 'security: jwt\n', 'ok'],
    ['Inf', 'security: jwt\nauth: { type: generated, maxTokenLifetime: Inf }\n', 'warn'],
    ['10 minutes', 'security: jwt\nauth: { type: generated, maxTokenLifetime: 10m }\n', 'warn'],
    ['none', '', 'ok'],
  ])('%s', (_n, yaml, status) => {
    expect(checkTokenLifetime(topo(yaml)).status).toBe(status);
  });
});

describe('JWS and certificates for every algorithm', () => {
  it.each(['ES256', 'RS256'] as const)('%s: the self-signed certificate parses (openssl, jose) and verifies the tokens signed with its key', async (alg) => {
    const { createSigningCertificate } = await import('../../src/security/certs.js');
    const { importKey, signJws } = await import('../../src/security/jws.js');
    const c = await createSigningCertificate(alg, 'jwt signer');
    const dir = tmp();
    const certFile = join(dir, 'c.crt');
    (await import('node:fs')).writeFileSync(certFile, c.certPem);
    expect(execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-subject'], { encoding: 'utf8' })).toContain('jwt signer');
    const token = signJws({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 60 }, importKey(alg, c.keyPem));
    const { payload, protectedHeader } = await jwtVerify(token, await importX509(c.certPem, alg));
    expect([payload.sub, protectedHeader.alg]).toEqual(['u', alg]);
  });
  it('ES512 and HS256 tokens verify with jose', async () => {
    const { importKey, signJws } = await import('../../src/security/jws.js');
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
    const es = signJws({ sub: 'a' }, importKey('ES512', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string));
    expect((await jwtVerify(es, publicKey)).payload.sub).toBe('a');
    const hs = signJws({ sub: 'b' }, importKey('HS256', 'a-long-enough-hmac-secret-for-hs256!'));
    expect((await jwtVerify(hs, new TextEncoder().encode('a-long-enough-hmac-secret-for-hs256!'))).payload.sub).toBe('b');
    await expect(jwtVerify(hs, new TextEncoder().encode('another-secret-another-secret-12345'))).rejects.toThrow();
  });
});

describe('Typesafe Config (the library Canton reads HOCON with) resolves the secured files', () => {
  it('jwt+mtls canton.conf and remote.conf (with its included token file), HMAC secret from the environment', async () => {
    const { resolveHocon } = await import('../support/typesafe-check/index.js');
    const { writeFileSync } = await import('node:fs');
    const dir = tmp();
    const t = topo('security: jwt+mtls\n', dir);
    await ensureMaterial(t, { env: {} });
    const files = renderProject(t, { darExists: () => true });
    for (const f of files) writeFileSync(join(dir, f.name), f.content);
    const hmacDir = tmp();
    const h = renderProject(topo('security: jwt\nauth: { type: unsafe-jwt-hmac-256, secretEnv: MY_HMAC }\n', hmacDir), { darExists: () => true })[0]!;
    writeFileSync(join(hmacDir, 'canton.conf'), h.content);
    const r = resolveHocon([join(dir, 'canton.conf'), join(dir, 'remote.conf'), join(hmacDir, 'canton.conf')], { MY_HMAC: 'from-env-secret' });
    const conf = r[join(dir, 'canton.conf')]!;
    const remote = r[join(dir, 'remote.conf')]!;
    expect(conf.error).toBeUndefined();
    expect(remote.error).toBeUndefined();
    expect(conf['canton.participants.participant1.ledger-api.tls.client-auth.type']).toBe('require');
    expect(conf['canton.participants.participant1.ledger-api.auth-services']).toBeDefined();
    expect(conf['canton.sequencers.sequencer1.public-api.tls.cert-chain-file']).toBe(join(dir, '.canton-mpc/secrets/tls/nodes/sequencer1.crt'));
    expect(String(remote['canton.remote-participants.participant2.token'])).toMatch(/^ey/); // from the included 0600 file
    expect(remote['canton.remote-participants.participant2.ledger-api.tls.client-cert.cert-chain-file']).toBe(join(dir, '.canton-mpc/secrets/tls/clients/canton-mpc.crt'));
    expect(JSON.stringify(r[join(hmacDir, 'canton.conf')])).toContain('from-env-secret');
  });
});
