import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const bin = fileURLToPath(new URL('../../bin/canton-mpc.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const run = (args: string[]) => execa('node', [bin, ...args], { reject: false, env: { NO_COLOR: '1' } });

describe('cli shell', () => {
  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('--help lists every command and the exit codes', async () => {
    const r = await run(['--help']);
    expect(r.exitCode).toBe(0);
    for (const cmd of ['init', 'render', 'up', 'down', 'status', 'logs', 'users', 'canton', 'doctor']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
    }
    expect(r.stdout).toContain('Exit codes:');
  });

  it('an unknown flag is a usage error (exit 2) on stderr', async () => {
    const r = await run(['--no-such-flag']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
    expect(r.stdout).toBe('');
  });

  it('an unknown command is a usage error', async () => {
    const r = await run(['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('frobnicate');
  });

  it('a bad --storage value is rejected before anything runs', async () => {
    const r = await run(['up', '--storage', 'h2', '--dry-run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--storage.*h2|h2.*--storage/s);
  });
});
