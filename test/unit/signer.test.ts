import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { signerEnvironment, partyEnvName } from '../../src/signer/env.js';
import { parseSecretsFile, readSignerSecrets } from '../../src/signer/secrets.js';
import { nextFailureCount, restartDelay } from '../../src/signer/backoff.js';
import { redact } from '../../src/ui/redact.js';
import type { Topology } from '../../src/config/types.js';

const mem = { type: 'memory' } as const;
function topo(env: Record<string, string>): Topology {
  return {
    projectDir: '/p', stateDir: '/p/.canton-mpc', security: { mode: 'none', secretsDir: '/p/.canton-mpc/secrets' }, canton: { version: '3.4.11' }, synchronizer: { name: 'sync' }, storage: 'memory',
    sequencers: [], mediators: [],
    participants: [
      { kind: 'participant', name: 'participant1', address: '127.0.0.1', storage: mem, ports: { ledger: 5011, admin: 5012, json: 5013 } },
      { kind: 'participant', name: 'participant2', address: '0.0.0.0', storage: mem, ports: { ledger: 5021, admin: 5022, json: 5023 } },
    ],
    parties: [{ name: 'Issuer', participant: 'participant1' }, { name: 'mpc-holder', participant: 'participant2' }],
    users: [{ id: 'issuer-user', participant: 'participant1', actAs: [], readAs: [], participantAdmin: false }],
    dars: [],
    postgres: { embedded: true, host: '127.0.0.1', port: 5432, user: 'canton', passwordEnv: 'POSTGRES_PASSWORD', databasePrefix: 'canton_' },
    signer: { command: 'x', args: [], env, passEnv: [], participant: 'participant1', party: 'Issuer', user: 'issuer-user' },
  };
}
const ids = { Issuer: 'Issuer::1220aa', 'mpc-holder': 'mpc-holder::1220bb' };

describe('signerEnvironment', () => {
  it('always sets the CANTON_MPC_* variables', () => {
    const env = signerEnvironment(topo({}), ids);
    expect(env).toMatchObject({
      CANTON_MPC_LEDGER_GRPC: '127.0.0.1:5011',
      CANTON_MPC_JSON_API: 'http://127.0.0.1:5013',
      CANTON_MPC_USER_ID: 'issuer-user',
      CANTON_MPC_PARTY_ISSUER: 'Issuer::1220aa',
      CANTON_MPC_PARTY_MPC_HOLDER: 'mpc-holder::1220bb',
    });
    expect(partyEnvName('a.b-c')).toBe('CANTON_MPC_PARTY_A_B_C');
  });
  it.each([
    ['{participants.participant1.jsonApiUrl}', 'http://127.0.0.1:5013'],
    ['{participants.participant2.jsonApiUrl}', 'http://127.0.0.1:5023'],
    ['{parties.Issuer.id}', 'Issuer::1220aa'],
    ['grpc://{participants.participant2.ledgerApi}/x', 'grpc://127.0.0.1:5021/x'],
    ['{users.issuer-user.id}@{synchronizer.name}', 'issuer-user@sync'],
    ['{"json": {{literal}', '{"json": {literal}'],
  ])('%s → %s', (value, want) => {
    expect(signerEnvironment(topo({ V: value }), ids).V).toBe(want);
  });
  it.each([
    ['{participants.nope.jsonApiUrl}', /no participant named "nope"/],
    ['{parties.Ghost.id}', /no party named "Ghost"/],
    ['{nodes.x.y}', /unknown placeholder/],
  ])('unknown placeholder %s is a config error naming signer.env', (value, re) => {
    expect(() => signerEnvironment(topo({ BAD: value }), ids)).toThrow(re);
    try {
      signerEnvironment(topo({ BAD: value }), ids);
    } catch (e) {
      expect((e as { issues: Array<{ path: string }> }).issues[0]!.path).toBe('signer.env.BAD');
    }
  });
});

describe('signer secrets', () => {
  it('parses KEY=VALUE files without echoing bad lines', () => {
    expect(parseSecretsFile('# c\nA=1\nexport B="two words"\nC=\'x=y\'\n\n', 'f')).toEqual({ A: '1', B: 'two words', C: 'x=y' });
    expect(() => parseSecretsFile('MPC_ROOT_KEY supersecretvalue', 'f')).toThrow(/f:1 is not a KEY=VALUE line$/);
  });
  it('refuses a group/other-readable file naming the chmod fix; reads a 0600 one and registers secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sec-'));
    const f = join(dir, 'signer.env');
    writeFileSync(f, 'MPC_ROOT_KEY=root-key-0123456789\n');
    chmodSync(f, 0o640);
    const spec = { ...topo({}).signer!, secretsFile: 'signer.env', passEnv: ['FROM_ENV'] };
    await expect(readSignerSecrets(spec, { FROM_ENV: 'env-secret-abcdef' }, dir)).rejects.toMatchObject({ hint: `Restrict it to its owner: chmod 600 ${f}` });
    chmodSync(f, 0o600);
    const s = await readSignerSecrets(spec, { FROM_ENV: 'env-secret-abcdef' }, dir);
    expect(s).toEqual({ FROM_ENV: 'env-secret-abcdef', MPC_ROOT_KEY: 'root-key-0123456789' });
    expect(redact('k=root-key-0123456789 e=env-secret-abcdef')).toBe('k=*** e=***');
    await expect(readSignerSecrets({ ...spec, passEnv: ['MISSING_X'] }, {}, dir)).rejects.toThrow(/MISSING_X/);
  });
});

describe('backoff', () => {
  it.each([
    [1, 500], [2, 1000], [3, 2000], [7, 30_000], [20, 30_000],
  ])('failure %i waits %i ms', (n, ms) => expect(restartDelay(n)).toBe(ms));
  it('a stable run resets the count', () => {
    expect(nextFailureCount(5, 61_000)).toBe(1);
    expect(nextFailureCount(5, 1_000)).toBe(6);
  });
});

describe('supervisor process', () => {
  it('restarts a crashing child with backoff, counts restarts, and stops child and itself on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sup-'));
    const statusFile = join(dir, 'status.json');
    const script = join(dir, 'child.sh');
    writeFileSync(script, '#!/bin/sh\necho "child $$ secret=$MY_SECRET_VALUE_LEN"\nsleep 0.1\nexit 7\n', { mode: 0o755 });
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ command: script, args: [], cwd: dir, statusFile, baseMs: 50, maxMs: 200 }));
    // The supervisor is its own entry point: bundle it as it will run, without a prior build.
    const entry = join(dir, 'supervisor.mjs');
    await build({ entryPoints: [join(process.cwd(), 'src/signer/supervisor.ts')], bundle: true, platform: 'node', format: 'esm', outfile: entry, logLevel: 'silent' });
    const sup = spawn(process.execPath, [entry, spec], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
    let out = '';
    sup.stdout.on('data', (d) => (out += d));
    sup.stderr.on('data', (d) => (out += d));
    const deadline = Date.now() + 8_000;
    let status: { restarts: number; state: string } | undefined;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        status = JSON.parse(readFileSync(statusFile, 'utf8'));
      } catch {
        /* not yet */
      }
      if (status && status.restarts >= 3) break;
    }
    expect(status?.restarts, out).toBeGreaterThanOrEqual(3);
    sup.kill('SIGTERM');
    const code = await new Promise((r) => sup.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(out).toMatch(/restart 1 in 50 ms/);
    expect(out).toMatch(/restart 2 in 100 ms/);
  }, 15_000);
});
