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
