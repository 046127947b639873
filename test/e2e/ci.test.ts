import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { filesUnder, makeProject, ROOT_KEY, signerProject, TOKEN, type CliProject } from '../support/cli.js';

// CI staging helpers: `env` for later steps, `diagnostics` for the artifact of a failed job.
const projects: CliProject[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'cmpc-ci-'));
afterAll(async () => {
  for (const p of projects) await p.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('canton-mpc env', () => {
  it('--format github appends endpoints, parties and users to GITHUB_ENV and GITHUB_OUTPUT; no token without --with-tokens', async () => {
    const p = await makeProject();
    projects.push(p);
    expect((await p.run(['up', '--timeout', '60s'])).exitCode).toBe(0);
    const ghEnv = join(tmp, 'github_env');
    const ghOut = join(tmp, 'github_output');
    writeFileSync(ghEnv, 'EXISTING=1\n');
    const r = await p.run(['env', '--format', 'github'], { env: { GITHUB_ENV: ghEnv, GITHUB_OUTPUT: ghOut } });
    expect(r.exitCode, r.stderr).toBe(0);
    const state = p.state();
    const env = readFileSync(ghEnv, 'utf8');
    expect(env.startsWith('EXISTING=1\n')).toBe(true);
    const kv = Object.fromEntries(env.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(kv).toMatchObject({
      CANTON_MPC_PARTICIPANT1_JSON_API: `http://127.0.0.1:${p.ports.participant1.json}`,
      CANTON_MPC_PARTICIPANT1_LEDGER_API: `127.0.0.1:${p.ports.participant1.ledger}`,
      CANTON_MPC_PARTICIPANT2_ADMIN_API: `127.0.0.1:${p.ports.participant2.admin}`,
      CANTON_MPC_SEQUENCER1_PUBLIC_API: `127.0.0.1:${p.ports.sequencer1.public}`,
      CANTON_MPC_PARTY_ISSUER: state.parties.Issuer.id,
      CANTON_MPC_PARTY_DEPOSITOR: state.parties.Depositor.id,
      CANTON_MPC_USER_ISSUER_USER: 'issuer-user',
      CANTON_MPC_SYNCHRONIZER: 'da',
    });
    expect(readFileSync(ghOut, 'utf8')).toBe(env.slice('EXISTING=1\n'.length));
    expect(env).not.toMatch(/TOKEN/);
    expect(r.stdout).not.toContain('::add-mask::');

    const json = await p.run(['env', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ CANTON_MPC_PARTY_ISSUER: state.parties.Issuer.id });
    const shell = await p.run(['env', '--format', 'shell']);
    const sourced = await execa('bash', ['-c', `${shell.stdout}\necho "$CANTON_MPC_PARTY_DEPOSITOR"`]);
    expect(sourced.stdout.trim()).toBe(state.parties.Depositor.id);
  }, 120_000);
});

describe('canton-mpc env on a secured topology (security: jwt)', () => {
  it('--with-tokens: a working token per user in every format, masked with ::add-mask:: in github format; without it no token anywhere', async () => {
    const p = await makeProject({ config: { security: 'jwt' } });
    projects.push(p);
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);
    const users = (p.state().users as Array<{ id: string }>).map((u) => u.id);
    expect(users.length).toBeGreaterThan(1);
    const key = (u: string) => `CANTON_MPC_TOKEN_${u.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    const jwtShape = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;
    const json = `http://127.0.0.1:${p.ports.participant1.json}`;

    // Without --with-tokens: no token in any format, on stdout, on stderr or in the GitHub files.
    const ghEnv0 = join(tmp, 'jwt_env0');
    const ghOut0 = join(tmp, 'jwt_out0');
    for (const format of ['dotenv', 'json', 'shell', 'github']) {
      const r = await p.run(['env', '--format', format], { env: { GITHUB_ENV: ghEnv0, GITHUB_OUTPUT: ghOut0 } });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout + r.stderr, format).not.toMatch(jwtShape);
      expect(r.stdout, format).not.toMatch(/TOKEN|add-mask/);
    }
    for (const f of [ghEnv0, ghOut0]) {
      expect(readFileSync(f, 'utf8')).toContain('CANTON_MPC_PARTY_ISSUER=');
      expect(readFileSync(f, 'utf8')).not.toMatch(/TOKEN|eyJ/);
    }

    // dotenv, json, shell: one token per user, each accepted by the JSON API for its own user.
    const dotenv = await p.run(['env', '--with-tokens']);
    expect(dotenv.exitCode, dotenv.stderr).toBe(0);
    const kv = Object.fromEntries(dotenv.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const issuerUser = users.find((u) => u === 'issuer-user')!;
    const token = kv[key(issuerUser)]!;
    expect(token).toMatch(jwtShape);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({ sub: issuerUser });
    const who = await fetch(`${json}/v2/authenticated-user`, { headers: { authorization: `Bearer ${token}` } });
    expect(who.status).toBe(200);
    expect(((await who.json()) as { user: { id: string } }).user.id).toBe(issuerUser);
    expect((await fetch(`${json}/v2/authenticated-user`)).status).toBe(401);
    for (const u of users) expect(kv[key(u)], u).toMatch(jwtShape);
    expect(dotenv.stderr).not.toMatch(jwtShape);

    const asJson = await p.run(['env', '--with-tokens', '--format', 'json']);
    const doc = JSON.parse(asJson.stdout);
    for (const u of users) expect(doc[key(u)], u).toMatch(jwtShape);
    const shell = await p.run(['env', '--with-tokens', '--format', 'shell']);
    const sourced = await execa('bash', ['-c', `${shell.stdout}\necho "$${key(issuerUser)}"`]);
    expect(sourced.stdout.trim()).toMatch(jwtShape);

    // github: the tokens go to GITHUB_ENV and GITHUB_OUTPUT, and each is masked on stdout before anything else.
    const ghEnv = join(tmp, 'jwt_env');
    const ghOut = join(tmp, 'jwt_out');
    const gh = await p.run(['env', '--with-tokens', '--format', 'github'], { env: { GITHUB_ENV: ghEnv, GITHUB_OUTPUT: ghOut } });
    expect(gh.exitCode, gh.stderr).toBe(0);
    const fileKv = (f: string) => Object.fromEntries(readFileSync(f, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const envTokens = users.map((u) => fileKv(ghEnv)[key(u)]);
    for (const t of envTokens) expect(t).toMatch(jwtShape);
    expect(users.map((u) => fileKv(ghOut)[key(u)])).toEqual(envTokens);
    const lines = gh.stdout.trim().split('\n');
    expect(lines.sort()).toEqual(envTokens.map((t) => `::add-mask::${t}`).sort());
    expect(gh.stderr).not.toMatch(jwtShape);
  }, 120_000);
});

describe('canton-mpc diagnostics', () => {
  it('after a failed up: the archive holds config, rendered files, journal, state, log tails, status, doctor, versions, and no planted secret', async () => {
    const p = await signerProject();
    projects.push(p);
    const GH = 'ghp_plantedGithubToken0123456789abcdef';
    const planted = 'hunter2-planted-in-log';
    // The bootstrap failure message lands in canton.log: with a secret-looking pair and the signer's key in it.
    const r = await p.run(['up', '--storage', 'postgres', '--timeout', '60s'], {
      env: { CANTON_EMULATOR_FAIL_BOOTSTRAP: `password=${planted} key ${ROOT_KEY}`, GITHUB_TOKEN: GH },
    });
    expect(r.exitCode).toBe(5);
    // The secrets really are in what diagnostics reads, so their absence below means redaction.
    const rawLog = readFileSync(join(p.stateDir, 'logs', 'canton.log'), 'utf8');
    expect(rawLog).toContain(planted);
    expect(rawLog).toContain(ROOT_KEY);
    const pgPassword = readFileSync(join(p.stateDir, 'secrets', 'postgres-password'), 'utf8').trim();
    expect(pgPassword.length).toBeGreaterThan(8);

    const d = await p.run(['diagnostics', '--out', 'out/diag.tar.gz', '--json'], { env: { GITHUB_TOKEN: GH } });
    expect(d.exitCode, d.stderr).toBe(0);
    const archive = join(p.dir, 'out', 'diag.tar.gz');
    expect(JSON.parse(d.stdout)).toMatchObject({ ok: true, file: archive });
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const x = join(tmp, 'x');
    await execa('mkdir', ['-p', x]);
    await execa('tar', ['-xzf', archive, '-C', x]);
    const root = join(x, 'canton-mpc-diagnostics');
    for (const f of ['config/canton-mpc.yaml', 'rendered/canton.conf', 'rendered/bootstrap.canton', 'journal.ndjson', 'state.json', 'logs/canton.log', 'status.json', 'doctor.json', 'versions.json', 'manifest.json']) {
      expect(existsSync(join(root, f)), f).toBe(true);
    }
    expect(readFileSync(join(root, 'logs', 'canton.log'), 'utf8')).toContain('injected bootstrap failure');
    expect(readFileSync(join(root, 'journal.ndjson'), 'utf8')).toContain('"failed"');
    const versions = JSON.parse(readFileSync(join(root, 'versions.json'), 'utf8'));
    expect(versions).toMatchObject({ node: process.version, canton: '3.4.11' });
    expect(JSON.parse(readFileSync(join(root, 'doctor.json'), 'utf8')).length).toBeGreaterThan(3);
    // Nothing from secrets/ or the signer's secrets file, and no planted value anywhere.
    const files = filesUnder(root);
    expect(files.some((f) => f.includes('secrets'))).toBe(false);
    const all = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const secret of [ROOT_KEY, TOKEN, GH, planted, pgPassword]) expect(all, secret).not.toContain(secret);
    expect(all).toContain('password=***');
  }, 180_000);
});
