import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const cli = runCli;

describe('canton-mpc render', () => {
  it('init then render: the seed topology in .canton-mpc/config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-render-'));
    expect((await cli(dir, ['init'])).code).toBe(0);
    const r = await cli(dir, ['render']);
    expect(r.code).toBe(0);
    const out = join(dir, '.canton-mpc/config');
    expect(r.stdout.trim().split('\n')).toEqual(['canton.conf', 'bootstrap.canton', 'remote.conf'].map((f) => join(out, f)));
    const conf = readFileSync(join(out, 'canton.conf'), 'utf8');
    expect(conf).toContain('ports-file = ' + JSON.stringify(join(dir, '.canton-mpc/ports.json')));
    expect(conf).toMatch(/participant2 \{[\s\S]*?ledger-api \{\s*address = "127\.0\.0\.1"\s*port = 5021/);
    // The DAR is not built in this directory: a warning, not a failure.
    expect(r.stderr).toContain('does not exist yet');
    expect(readFileSync(join(out, 'bootstrap.canton'), 'utf8')).not.toContain('dars.upload');
  });

  it('--storage postgres --json lists the files; --out and the DAR when present', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-render-'));
    mkdirSync(join(dir, '.daml/dist'), { recursive: true });
    writeFileSync(join(dir, '.daml/dist/canton-mpc-poc-0.2.0.dar'), 'PK');
    const r = await cli(dir, ['render', '--storage', 'postgres', '--json', '--out', 'gen']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.files).toEqual(['canton.conf', 'bootstrap.canton', 'remote.conf'].map((f) => join(dir, 'gen', f)));
    expect(json.storage).toBe('postgres');
    expect(json.config).toBeNull();
    for (const f of json.files) expect(existsSync(f)).toBe(true);
    const conf = readFileSync(join(dir, 'gen/canton.conf'), 'utf8');
    expect(conf.match(/type = "postgres"/g)).toHaveLength(4);
    expect(conf).toContain('password = ${?POSTGRES_PASSWORD}');
    expect(readFileSync(join(dir, 'gen/bootstrap.canton'), 'utf8')).toContain(`participant2.dars.upload(${JSON.stringify(join(dir, '.daml/dist/canton-mpc-poc-0.2.0.dar'))})`);
  });

  it('a broken config exits 3 with the located message on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-render-'));
    writeFileSync(
      join(dir, 'canton-mpc.yaml'),
      'participants:\n  participant1:\n    ports: { json: 5013 }\n  participant2:\n    ports: { json: 5013 }\npostgres:\n  password: hunter2\n',
    );
    const r = await cli(dir, ['render']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('canton-mpc.yaml:5:20 participants.participant2.ports.json: port 5013 is already used by participants.participant1.ports.json');
    expect(r.stderr).toContain('canton-mpc.yaml:7:3 postgres.password: a literal password is not allowed');
    expect(r.stderr).not.toContain('hunter2');
    expect(existsSync(join(dir, '.canton-mpc'))).toBe(false);
  });

  it('--config pointing nowhere exits 2; a bad --templates dir exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-render-'));
    const r = await cli(dir, ['--config', 'missing.yaml', 'render']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.yaml does not exist');
    const t = await cli(dir, ['render', '--templates', 'nope']);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain('templates directory nope does not exist');
  });
});
