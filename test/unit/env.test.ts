import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { environmentFor, envName, formatDotenv, formatShell, githubFileLines, githubMasks, type EnvVar } from '../../src/ci/env.js';
import { run as envCommand, type EnvDeps } from '../../src/commands/env.js';
import type { CommandContext } from '../../src/context.js';
import { emptyState, type State } from '../../src/state/state.js';
import { createOutputSync } from '../../src/ui/output.js';

const ISSUER = 'Issuer::1220aaaa';
function state(): State {
  return {
    ...emptyState('memory'),
    canton: { pid: 1, startedAt: 'x', version: '3.4.11', home: '/c', javaHome: '/j', logFile: '/l', stdoutFile: '/o', stdoutOffset: 0 },
    nodes: [
      { name: 'sequencer1', kind: 'sequencer', address: '127.0.0.1', ports: { public: 5001, admin: 5002 } },
      { name: 'participant1', kind: 'participant', address: '0.0.0.0', ports: { ledger: 5011, admin: 5012, json: 5013 } },
    ],
    parties: { Issuer: { id: ISSUER, participant: 'participant1' } },
    users: [{ id: 'issuer-user', participant: 'participant1', primaryParty: ISSUER, actAs: [ISSUER], readAs: [ISSUER], participantAdmin: false }],
  };
}

/** The party variables of state() with the decentralized party Treasury and the external party vault-owner. */
const partyVars = (vaultHost: string) => ({
  CANTON_MPC_PARTY_ISSUER: ISSUER,
  CANTON_MPC_PARTY_ISSUER_PARTICIPANT: 'participant1',
  CANTON_MPC_PARTY_TREASURY: 'Treasury::1220dddd',
  CANTON_MPC_PARTY_TREASURY_OWNERS: 'participant1,participant2',
  CANTON_MPC_PARTY_TREASURY_THRESHOLD: '2',
  CANTON_MPC_PARTY_TREASURY_CONFIRMATION_THRESHOLD: '1',
  CANTON_MPC_PARTY_VAULT_OWNER: 'vault-owner::1220eeee',
  CANTON_MPC_PARTY_VAULT_OWNER_PARTICIPANT: vaultHost,
  CANTON_MPC_PARTY_VAULT_OWNER_FINGERPRINT: '1220eeee',
});

describe('environmentFor', () => {
  it('endpoints per node (0.0.0.0 connects to loopback), parties, users, signer, CA; tokens only when given, marked secret', () => {
    const vars = environmentFor({ state: state(), stateDir: '/p/.canton-mpc', synchronizer: 'da', signer: { running: true, state: 'running', pid: 42, restarts: 1 }, caFile: '/p/ca.crt', tokens: { 'issuer-user': 'tok-123456' } });
    expect(Object.fromEntries(vars.map((v) => [v.key, v.value]))).toEqual({
      CANTON_MPC_STATE_DIR: '/p/.canton-mpc',
      CANTON_MPC_SYNCHRONIZER: 'da',
      CANTON_MPC_CANTON_VERSION: '3.4.11',
      CANTON_MPC_PARTICIPANTS: 'participant1',
      CANTON_MPC_SEQUENCER1_PUBLIC_API: '127.0.0.1:5001',
      CANTON_MPC_SEQUENCER1_ADMIN_API: '127.0.0.1:5002',
      CANTON_MPC_PARTICIPANT1_LEDGER_API: '127.0.0.1:5011',
      CANTON_MPC_PARTICIPANT1_JSON_API: 'http://127.0.0.1:5013',
      CANTON_MPC_PARTICIPANT1_ADMIN_API: '127.0.0.1:5012',
      CANTON_MPC_PARTY_ISSUER: ISSUER,
      CANTON_MPC_PARTY_ISSUER_PARTICIPANT: 'participant1',
      CANTON_MPC_USER_ISSUER_USER: 'issuer-user',
      CANTON_MPC_USER_ISSUER_USER_PARTICIPANT: 'participant1',
      CANTON_MPC_SIGNER_STATUS: 'running',
      CANTON_MPC_SIGNER_PID: '42',
      CANTON_MPC_SIGNER_RESTARTS: '1',
      CANTON_MPC_CA_FILE: '/p/ca.crt',
      CANTON_MPC_TOKEN_ISSUER_USER: 'tok-123456',
    });
    expect(vars.filter((v) => v.secret).map((v) => v.key)).toEqual(['CANTON_MPC_TOKEN_ISSUER_USER']);
    expect(environmentFor({ state: state(), stateDir: '/p' }).some((v) => v.key.includes('TOKEN'))).toBe(false);
  });
  const treasury = { name: 'Treasury', id: 'Treasury::1220dddd', owners: ['participant1', 'participant2'], threshold: 2, confirmationThreshold: 1, file: '/p/.canton-mpc/decentralized/Treasury/party.json' };
  const vault = { name: 'vault-owner', id: 'vault-owner::1220eeee', participant: 'participant1', fingerprint: '1220eeee', file: '/p/.canton-mpc/parties/external/vault-owner/party.json' };
  it('decentralized parties: id, owners, thresholds; external parties: id, hosting participant, fingerprint', () => {
    const vars = Object.fromEntries(environmentFor({ state: state(), stateDir: '/p', decentralized: [treasury], external: [vault, { ...vault, name: 'nofp', id: 'nofp::1220ff', fingerprint: undefined }] }).map((v) => [v.key, v]));
    expect(Object.fromEntries(Object.entries(vars).filter(([k]) => k.startsWith('CANTON_MPC_PARTY_')).map(([k, v]) => [k, v.value]))).toEqual({
      ...partyVars('participant1'),
      CANTON_MPC_PARTY_NOFP: 'nofp::1220ff',
      CANTON_MPC_PARTY_NOFP_PARTICIPANT: 'participant1',
    });
    expect(Object.values(vars).some((v) => v.secret)).toBe(false);
  });
  it.each([
    ['a decentralized party named like a config party', { decentralized: [{ ...treasury, name: 'Issuer' }] }, /CANTON_MPC_PARTY_ISSUER would be set twice: by party Issuer of the config \(\/p\/state.json\) and by decentralized party Issuer \(\/p\/.canton-mpc\/decentralized\/Treasury\/party.json\)/],
    ['an external party named like a config party', { external: [{ ...vault, name: 'Issuer' }] }, /CANTON_MPC_PARTY_ISSUER would be set twice: by party Issuer of the config .* and by external party Issuer/],
    ['an external and a decentralized party of one name', { decentralized: [treasury], external: [{ ...vault, name: 'Treasury' }] }, /CANTON_MPC_PARTY_TREASURY would be set twice: by decentralized party Treasury .* and by external party Treasury/],
    ['names equal once upper-cased with _', { external: [vault, { ...vault, name: 'VAULT_owner' }] }, /CANTON_MPC_PARTY_VAULT_OWNER would be set twice: by external party vault-owner .* and by external party VAULT_owner/],
    ["a party whose name ends in another's variable suffix", { external: [{ ...vault, name: 'Issuer_PARTICIPANT' }] }, /CANTON_MPC_PARTY_ISSUER_PARTICIPANT would be set twice: by party Issuer of the config/],
  ])('refuses %s instead of overwriting a variable', (_n, extra, msg) => {
    let err: unknown;
    try {
      environmentFor({ state: state(), stateDir: '/p', ...extra });
    } catch (e) {
      err = e;
    }
    expect(String((err as Error)?.message)).toMatch(msg);
    expect(err).toMatchObject({ kind: 'env_collision', exitCode: 3 });
  });
  it.each([
    ['participant1', 'PARTICIPANT1'],
    ['issuer-user', 'ISSUER_USER'],
    ['a.b@c', 'A_B_C'],
  ])('envName(%s) = %s', (n, e) => expect(envName(n)).toBe(e));
});

describe('formats', () => {
  const vars: EnvVar[] = [
    { key: 'A', value: 'http://127.0.0.1:5013' },
    { key: 'B', value: "it's $HOME" },
    { key: 'C', value: 'two\nlines' },
    { key: 'T', value: 'secret-token', secret: true },
  ];
  it('shell: single-quoted, nothing expands', () => {
    expect(formatShell(vars)).toBe(`export A='http://127.0.0.1:5013'\nexport B='it'\\''s $HOME'\nexport C='two\nlines'\nexport T='secret-token'`);
  });
  it('dotenv: plain where safe, quoted and escaped otherwise', () => {
    expect(formatDotenv(vars)).toBe(`A=http://127.0.0.1:5013\nB="it's \\$HOME"\nC="two\\nlines"\nT=secret-token`);
  });
  it('github: KEY=value, heredoc for multi-line values; masks for secrets only', () => {
    expect(githubFileLines(vars, 'EOF_X')).toBe(`A=http://127.0.0.1:5013\nB=it's $HOME\nC<<EOF_X\ntwo\nlines\nEOF_X\nT=secret-token`);
    expect(githubMasks(vars)).toEqual(['::add-mask::secret-token']);
  });
});

describe('canton-mpc env (command, with fakes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmpc-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, '.canton-mpc'));
  writeFileSync(join(dir, '.canton-mpc', 'state.json'), JSON.stringify(state()));
  writeFileSync(join(dir, 'canton-mpc.yaml'), 'storage: memory\ndars: []\n');

  function ctx(env: Record<string, string> = {}) {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d) => (text += String(d)));
    const c: CommandContext = {
      cwd: dir,
      output: createOutputSync({ json: false, verbose: false, color: false, interactive: false, stdout, stderr: new PassThrough() }),
      yes: true,
      env,
      runner: undefined as never,
      signal: new AbortController().signal,
    };
    return { c, out: () => text };
  }
  function deps(tokens: Record<string, string>) {
    const appended: Record<string, string> = {};
    let written = '';
    let asked = 0;
    const d: EnvDeps = {
      tokens: async () => {
        asked++;
        return tokens;
      },
      append: (f, t) => (appended[f] = (appended[f] ?? '') + t),
      write: (t) => (written += t),
    };
    return { d, appended, written: () => written, asked: () => asked };
  }

  it('--format github appends to GITHUB_ENV and GITHUB_OUTPUT; no token and no mask without --with-tokens', async () => {
    const { c } = ctx({ GITHUB_ENV: '/gh/env', GITHUB_OUTPUT: '/gh/out' });
    const f = deps({ 'issuer-user': 'tok-abcdef-123' });
    expect(await envCommand(c, { format: 'github' }, f.d)).toBe(0);
    expect(f.asked()).toBe(0);
    expect(Object.keys(f.appended)).toEqual(['/gh/env', '/gh/out']);
    expect(f.appended['/gh/env']).toContain('CANTON_MPC_PARTICIPANT1_JSON_API=http://127.0.0.1:5013\n');
    expect(f.appended['/gh/env']).toContain(`CANTON_MPC_PARTY_ISSUER=${ISSUER}\n`);
    expect(f.appended['/gh/out']).toBe(f.appended['/gh/env']);
    expect(f.appended['/gh/env']).not.toContain('tok-abcdef-123');
    expect(f.written()).toBe('');
  });
  it('--with-tokens: the token goes to the files, masked first on stdout', async () => {
    const { c } = ctx({ GITHUB_ENV: '/gh/env' });
    const f = deps({ 'issuer-user': 'tok-abcdef-123' });
    await envCommand(c, { format: 'github', withTokens: true }, f.d);
    expect(f.written()).toBe('::add-mask::tok-abcdef-123\n');
    expect(f.appended['/gh/env']).toContain('CANTON_MPC_TOKEN_ISSUER_USER=tok-abcdef-123\n');
  });
  it('dotenv by default on stdout; a bad format and a project that is not up are clear errors', async () => {
    const { c, out } = ctx();
    await envCommand(c, {}, deps({}).d);
    expect(out()).toContain('CANTON_MPC_PARTICIPANT1_LEDGER_API=127.0.0.1:5011\n');
    await expect(envCommand(c, { format: 'yaml' }, deps({}).d)).rejects.toThrow(/--format yaml is not a format/);
    const empty = mkdtempSync(join(dir, 'empty-'));
    writeFileSync(join(empty, 'canton-mpc.yaml'), 'storage: memory\ndars: []\n');
    await expect(envCommand({ ...c, cwd: empty }, {}, deps({}).d)).rejects.toMatchObject({ kind: 'not_up', exitCode: 4 });
  });
});

describe('canton-mpc env: decentralized and external parties from their records', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmpc-env-parties-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sd = join(dir, '.canton-mpc');
  const put = (rel: string, body: unknown) => {
    mkdirSync(join(sd, rel, '..'), { recursive: true });
    writeFileSync(join(sd, rel), typeof body === 'string' ? body : JSON.stringify(body));
  };
  writeFileSync(join(dir, 'canton-mpc.yaml'), 'storage: memory\ndars: []\n');
  put('state.json', state());
  const decentral = (name: string, daemonStartedAt: string) => ({
    name, id: `${name}::1220dddd`, namespace: '1220dddd', owners: ['participant1', 'participant2'], threshold: 2, confirmationThreshold: 1,
    permission: 'confirmation', partyToKey: false, keyNames: { ns: 'n', proto: 'p' }, keys: { participant1: { namespace: '1220a1' }, participant2: { namespace: '1220a2' } }, daemonStartedAt,
  });
  // state() started its daemon at 'x'; the owners have memory storage, so a record from another start is stale.
  put('decentralized/Treasury/party.json', decentral('Treasury', 'x'));
  put('decentralized/Old/party.json', decentral('Old', 'an-earlier-start'));
  put('decentralized/up.json', { daemonStartedAt: 'x', done: [] });
  put('parties/external/vault-owner/party.json', {
    name: 'vault-owner', partyId: 'vault-owner::1220eeee', fingerprint: '1220eeee', participant: 'participant2', custody: 'generated',
    keyFile: '/very/secret/path/vault-owner.key', signCommand: 'sign --with /very/secret/path', daemonStartedAt: 'x',
  });
  // Allocated under an earlier start of its memory-storage participant: that party is gone, not exported.
  put('parties/external/old-owner/party.json', { name: 'old-owner', partyId: 'old-owner::1220cccc', fingerprint: '1220cccc', participant: 'participant1', custody: 'generated', daemonStartedAt: 'an-earlier-start' });
  // An allocation that has not got to its record step yet: a journal, no party.json.
  put('parties/external/pending/journal.ndjson', '{}\n');

  function ctx(cwd = dir) {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d) => (text += String(d)));
    const output = createOutputSync({ json: false, verbose: false, color: false, interactive: false, stdout, stderr: new PassThrough() });
    const c: CommandContext = { cwd, output, yes: true, env: {}, runner: undefined as never, signal: new AbortController().signal };
    return { c, out: () => text };
  }
  const deps: EnvDeps = { tokens: async () => ({}), append: () => {}, write: () => {} };

  it('exports their ids and what a later step needs, never a key path or the signing command', async () => {
    const { c, out } = ctx();
    expect(await envCommand(c, { format: 'json' }, deps)).toBe(0);
    const vars = JSON.parse(out()) as Record<string, string>;
    expect(Object.fromEntries(Object.entries(vars).filter(([k]) => k.startsWith('CANTON_MPC_PARTY_')))).toEqual(partyVars('participant2'));
    expect(out()).not.toContain('/very/secret/path');
  });
  it('a config party and a recorded party of one name, or an unreadable record: a clear error, nothing printed', async () => {
    put('parties/external/Issuer/party.json', { name: 'Issuer', partyId: 'Issuer::1220ffff', fingerprint: '1220ffff', participant: 'participant1', custody: 'generated', daemonStartedAt: 'x' });
    const { c, out } = ctx();
    await expect(envCommand(c, {}, deps)).rejects.toMatchObject({
      kind: 'env_collision',
      exitCode: 3,
      message: expect.stringContaining(`CANTON_MPC_PARTY_ISSUER would be set twice: by party Issuer of the config (${sd}/state.json) and by external party Issuer (${sd}/parties/external/Issuer/party.json)`),
    });
    rmSync(join(sd, 'parties/external/Issuer'), { recursive: true });
    put('decentralized/Broken/party.json', '{"name": "Broken", "id"');
    await expect(envCommand(c, {}, deps)).rejects.toMatchObject({ kind: 'party_record_unreadable', exitCode: 3, where: join(sd, 'decentralized/Broken/party.json') });
    rmSync(join(sd, 'decentralized/Broken'), { recursive: true });
    put('parties/external/broken/party.json', '');
    await expect(envCommand(c, {}, deps)).rejects.toMatchObject({ kind: 'party_record_unreadable', where: join(sd, 'parties/external/broken/party.json') });
    expect(out()).toBe('');
  });
});
