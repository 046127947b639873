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

  // The README's main job on a fresh machine: no checksum pinned anywhere, no mirror; the release is
  // verified against the publisher's digest, and the first run says where it came from.
  it('no checksum pinned, no mirror: installs verified against the publisher API digest, names the source, and the topology comes up', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'cmpc-fresh-cache-'));
    try {
      await p.run(['down']);
      p.writeConfig({});
      const rel = server.serveRelease('3.4.11', p.release.tarball);
      server.requests.length = 0;
      const env = { CANTON_MPC_HOME: fresh, CANTON_MPC_GITHUB_API: server.baseUrl, CANTON_MPC_MIRROR: undefined };
      const r = await p.run(['up', '--timeout', '60s'], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(server.requests.map((q) => q.path)).toEqual([rel.apiPath, rel.downloadPath]);
      expect(r.stderr).toContain(
        `Installed Canton 3.4.11 in ${join(fresh, 'canton', '3.4.11')}: from ${server.url(rel.downloadPath)}, sha256 ${p.release.sha256} verified against the publisher's digest from GitHub's releases API`,
      );
      expect(existsSync(join(fresh, 'canton', '3.4.11', 'bin', 'canton'))).toBe(true);
      // A re-run installs nothing and asks nothing.
      const again = await p.run(['up', '--timeout', '60s'], { env });
      expect(again.exitCode, again.stderr).toBe(0);
      expect(server.requests).toHaveLength(2);
      expect(again.stderr).not.toContain('Installed Canton');
    } finally {
      await p.run(['down']);
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
