import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/canton-mpc.js');

function cli(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('dist/cli.js is missing: run `npx tsc -p tsconfig.json` before the e2e tests');
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, CI: '1', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

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
