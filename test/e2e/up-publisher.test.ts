import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';
import { startDownloadServer, type DownloadServer } from '../support/download-server.js';

// The README's main job on a fresh machine: `up` with no checksum pinned anywhere installs the
// release verified against the publisher's digest and says, on that first run, where it came from.
let server: DownloadServer;
let p: CliProject;
let cache: string;

beforeAll(async () => {
  cache = mkdtempSync(join(tmpdir(), 'cmpc-fresh-cache-'));
  server = await startDownloadServer();
  p = await makeProject({ env: { CANTON_MPC_HOME: cache, CANTON_MPC_GITHUB_API: server.baseUrl, CANTON_MPC_MIRROR: undefined } });
});
afterAll(async () => {
  await p?.cleanup();
  await server?.close();
  rmSync(cache, { recursive: true, force: true });
});

describe('up on a fresh machine, no checksum pinned', () => {
  it('installs the release verified against the publisher API digest, names the source, and the topology comes up', async () => {
    const rel = server.serveRelease('3.4.11', p.release.tarball);
    const r = await p.run(['up', '--timeout', '60s']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual([rel.apiPath, rel.downloadPath]);
    expect(r.stderr).toContain(`Installed Canton 3.4.11 in ${join(cache, 'canton', '3.4.11')}: from ${server.url(rel.downloadPath)}, sha256 ${p.release.sha256} verified against the publisher's digest from GitHub's releases API`);
    expect(existsSync(join(cache, 'canton', '3.4.11', 'bin', 'canton'))).toBe(true);

    // A re-run installs nothing and asks nothing.
    const again = await p.run(['up', '--timeout', '60s']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(server.requests).toHaveLength(2);
    expect(again.stderr).not.toContain('Installed Canton');
  });
});
