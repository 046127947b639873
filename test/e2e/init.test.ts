import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const cli = runCli;

describe('canton-mpc init', () => {
  it('writes canton-mpc.yaml, refuses to overwrite (exit 2, hint), overwrites with --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-init-'));
    const first = await cli(dir, ['init']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(join(dir, 'canton-mpc.yaml'));
    const text = readFileSync(join(dir, 'canton-mpc.yaml'), 'utf8');
    expect(text).toMatch(/^# canton-mpc\.yaml/);

    const second = await cli(dir, ['init']);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('canton-mpc.yaml already exists');
    expect(second.stderr).toContain('hint: pass --force');

    writeFileSync(join(dir, 'canton-mpc.yaml'), 'portBase: 6000\n');
    const forced = await cli(dir, ['init', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'canton-mpc.yaml'), 'utf8')).toBe(text);
  });

  it('--toml writes canton-mpc.toml; --json reports the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-init-'));
    const r = await cli(dir, ['init', '--toml', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ file: join(dir, 'canton-mpc.toml'), format: 'toml' });
    expect(readFileSync(join(dir, 'canton-mpc.toml'), 'utf8')).toContain('[participants.participant1]');
    // A YAML next to it would make the project ambiguous.
    const yaml = await cli(dir, ['init']);
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toContain('canton-mpc.toml already exists');
  });
});
