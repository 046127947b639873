// The security commands without a running topology: load-time refusals, `token` (errors and a
// token that verifies), `rotate-certs` keeping the CA, and doctor's certificate/lifetime checks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importX509, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';

const projects: CliProject[] = [];
afterEach(async () => {
  while (projects.length) await projects.pop()!.cleanup();
});
const project = async (config: Record<string, unknown>) => {
  const p = await makeProject({ config });
  projects.push(p);
  return p;
};

describe('security commands', () => {
  it('auth: under security none is a config error at load (exit 3), naming the key and the fix', async () => {
    const p = await project({ auth: { type: 'generated' } });
    for (const cmd of [['render'], ['up', '--dry-run'], ['status']]) {
      const r = await p.run(cmd);
      expect(r.exitCode, cmd.join(' ')).toBe(3);
      expect(r.stderr).toMatch(/canton-mpc\.yaml:\d+:\d+ auth: `auth:` is set but security is none/);
      expect(r.stderr).toContain('security: jwt');
    }
  });

  it('token: refused without auth, beyond the max lifetime, for an unknown user without --participant; printed only when asked', async () => {
    const none = await project({});
    const r0 = await none.run(['token', '--user', 'issuer-user']);
    expect(r0.exitCode).toBe(2);
    expect(r0.stderr).toContain('security: none');

    const p = await project({ security: 'jwt+tls' });
    // The signing key is made by `up`'s secrets step; without it the error says so.
    const noKey = await p.run(['token', '--user', 'issuer-user']);
    expect(noKey.exitCode).toBe(4);
    expect(noKey.stderr).toContain('canton-mpc up');
    const long = await p.run(['token', '--user', 'issuer-user', '--lifetime', '10m']);
    expect(long.exitCode).toBe(2);
    expect(long.stderr).toContain('max-token-lifetime 300 s');
    const unknown = await p.run(['token', '--user', 'carol']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('--participant');

    const q = await project({ security: 'jwt' });
    const dry = await q.run(['up', '--dry-run']);
    expect(dry.stdout + dry.stderr).toMatch(/secrets/);
    // Generate the key without starting Canton: the step is idempotent, so up's own run would reuse it.
    const { ensureMaterial } = await import('../../src/security/materials.js');
    const { loadProject } = await import('../../src/config/load.js');
    const { topology } = await loadProject({ cwd: q.dir, env: q.env as NodeJS.ProcessEnv });
    await ensureMaterial(topology, { env: {} });
    const tok = await q.run(['token', '--user', 'carol', '--participant', 'participant2', '--lifetime', '90s', '--json']);
    expect(tok.exitCode, tok.stderr).toBe(0);
    const j = JSON.parse(tok.stdout);
    expect(j).toMatchObject({ ok: true, user: 'carol', participant: 'participant2' });
    const cert = await importX509(readFileSync(join(q.stateDir, 'secrets', 'jwt', 'signing.crt'), 'utf8'), 'ES256');
    const { payload } = await jwtVerify(j.token, cert, { audience: 'https://canton-mpc/participants/participant2' });
    expect(payload.sub).toBe('carol');
    expect(payload.exp! - payload.iat!).toBe(90);
    expect(tok.stderr).not.toContain(j.token);
  });

  it('HMAC without its variable: up stops at the secrets step (exit 4) before Canton starts', async () => {
    const p = await project({ security: 'jwt', auth: { type: 'unsafe-jwt-hmac-256', secretEnv: 'CANTON_MPC_E2E_UNSET' } });
    const up = await p.run(['up', '--timeout', '30s']);
    expect(up.exitCode).toBe(4);
    expect(up.stderr).toContain('$CANTON_MPC_E2E_UNSET is not set');
    expect(up.stderr).toContain('export CANTON_MPC_E2E_UNSET=');
    expect(p.state()?.canton).toBeUndefined();
  });

  it('rotate-certs reissues every leaf from the kept CA; doctor reports certificates and lifetimes', async () => {
    const p = await project({ security: 'jwt+mtls', auth: { type: 'generated', maxTokenLifetime: 'Inf' } });
    const first = await p.run(['rotate-certs', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const ca = readFileSync(join(p.stateDir, 'secrets', 'tls', 'ca.crt'), 'utf8');
    const leaf = readFileSync(join(p.stateDir, 'secrets', 'tls', 'nodes', 'participant1.crt'), 'utf8');
    const again = await p.run(['rotate-certs', '--json']);
    expect(JSON.parse(again.stdout).renewed).toHaveLength(7);
    expect(readFileSync(join(p.stateDir, 'secrets', 'tls', 'ca.crt'), 'utf8')).toBe(ca);
    expect(readFileSync(join(p.stateDir, 'secrets', 'tls', 'nodes', 'participant1.crt'), 'utf8')).not.toBe(leaf);
    const doc = await p.run(['doctor', '--json']);
    const checks = JSON.parse(doc.stdout).checks as Array<{ id: string; status: string; detail: string }>;
    expect(checks.find((c) => c.id === 'certificates')).toMatchObject({ status: 'ok' });
    expect(checks.find((c) => c.id === 'token-lifetime')).toMatchObject({ status: 'warn' });
    const none = await project({});
    expect((await none.run(['rotate-certs'])).exitCode).toBe(2);
  });
});
