import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';
import { startDownloadServer, type DownloadServer } from '../support/download-server.js';

// `up` on a machine that has never seen Canton: the release comes from a mirror, verified against
// the checksum pinned in canton-mpc.yaml.
const TARBALL = '/canton-open-source-3.4.11.tar.gz';

let server: DownloadServer;
let p: CliProject;
let cache: string;

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), 'cmpc-fresh-cache-'));
  p = await makeProject({ env: {} });
  server = await startDownloadServer({ [TARBALL]: p.release.tarball });
});
afterAll(async () => {
  await p?.cleanup();
  await server?.close();
  rmSync(cache, { recursive: true, force: true });
});

describe('up installs the release itself', () => {
  it('without a known checksum it stops before downloading and says how to pin one', async () => {
    const r = await p.run(['up', '--timeout', '60s'], { env: { CANTON_MPC_HOME: cache, CANTON_MPC_MIRROR: server.baseUrl } });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('no sha256 is known for Canton 3.4.11');
    expect(r.stderr).toContain('canton.sha256');
    expect(server.requestsFor(TARBALL)).toHaveLength(0);
    expect(existsSync(join(cache, 'canton', '3.4.11'))).toBe(false);
  });

  it('with canton.sha256 pinned: downloads from the mirror, verifies, installs, and the topology comes up', async () => {
    p.writeConfig({ canton: { sha256: p.release.sha256.toUpperCase() } });
    const r = await p.run(['up', '--timeout', '60s', '--json'], { env: { CANTON_MPC_HOME: cache, CANTON_MPC_MIRROR: server.baseUrl } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requestsFor(TARBALL)).toHaveLength(1);
    expect(existsSync(join(cache, 'canton', '3.4.11', 'bin', 'canton'))).toBe(true);
    // NDJSON progress events on stdout; the last line is the result document.
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((e) => e.event === 'release')).toMatchObject({ version: '3.4.11', sha256: p.release.sha256, checksumSource: 'config' });
    const out = lines[lines.length - 1] as { event: string; ok: boolean; steps: Array<{ id: string; status: string }> };
    expect(out.event).toBe('result');
    expect(out.ok).toBe(true);
    expect(out.steps.find((s) => s.id === 'canton-release')?.status).toBe('done');
  });

  it('a pinned checksum that does not match is an integrity error and nothing is installed', async () => {
    const other = mkdtempSync(join(tmpdir(), 'cmpc-fresh-cache-'));
    try {
      await p.run(['down']);
      p.writeConfig({ canton: { sha256: '0'.repeat(64) } });
      const r = await p.run(['up', '--timeout', '60s'], { env: { CANTON_MPC_HOME: other, CANTON_MPC_MIRROR: server.baseUrl } });
      expect(r.exitCode).toBe(7);
      expect(r.stderr).toMatch(/sha256/i);
      expect(existsSync(join(other, 'canton', '3.4.11'))).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
