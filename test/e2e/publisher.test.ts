import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packDistribution } from '../emulator/pack.js';
import { startDownloadServer, type DownloadServer } from '../support/download-server.js';
import { filesUnder } from '../support/cli.js';

// No checksum anywhere (the catalogue has none for 3.4.11, no config, no flag, no first-use record):
// the publisher's digest comes from GitHub's releases API, here the local server's realistic copy of it.
const CLI = resolve(import.meta.dirname, '../../bin/canton-mpc.js');
const TOKEN = 'ghp_e2eTestToken0123456789abcdefABCDEF';

let work: string;
let server: DownloadServer;
let release: { tarball: string; sha256: string };
let cache: string;
let published: { apiPath: string; downloadPath: string; sha256: string };

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const base = { ...process.env, CANTON_MPC_HOME: cache, CI: '1', CANTON_MPC_MIRROR: undefined, GITHUB_TOKEN: undefined, CANTON_MPC_GITHUB_API: server.baseUrl };
  return execa('node', [CLI, ...args], { env: { ...base, ...env }, extendEnv: false, reject: false, cwd: work });
}

/** Every file under dir, as text (the cache holds records, trusted.json, the unpacked release). */
function allText(dir: string): string {
  return filesUnder(dir)
    .map((f) => readFileSync(f, 'latin1'))
    .join('\n');
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cmpc-publisher-'));
  release = await packDistribution({ outDir: join(work, 'pkg'), padBytes: 256 * 1024 });
  server = await startDownloadServer();
  published = server.serveRelease('3.4.11', release.tarball);
});
afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  cache = mkdtempSync(join(work, 'cache-'));
  server.clearFaults();
  server.requests.length = 0;
  server.serveRelease('3.4.11', release.tarball);
});

describe('checksums from the publisher API', () => {
  it('installs verified against the asset digest, downloading the asset URL the API gave; the source is recorded and printed', async () => {
    const r = await cli(['canton', 'install']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual([published.apiPath, published.downloadPath]);
    expect(r.stderr).toContain(`from ${server.url(published.downloadPath)}, sha256 ${release.sha256} verified against the publisher's digest from GitHub's releases API`);
    const record = JSON.parse(readFileSync(join(cache, 'canton', '3.4.11', '.canton-mpc-install.json'), 'utf8')) as Record<string, string>;
    expect(record).toMatchObject({ sha256: release.sha256, checksumSource: 'publisher-api', source: server.url(published.downloadPath) });

    const list = await cli(['--json', 'canton', 'list']);
    const row = (JSON.parse(list.stdout) as { releases: Array<Record<string, unknown>> }).releases.find((x) => x.version === '3.4.11');
    expect(row).toMatchObject({ installed: true, checksumKnown: true, checksumSource: 'publisher-api', sha256: release.sha256 });
    const human = await cli(['canton', 'list']);
    expect(human.stdout).toMatch(/3\.4\.11\s+installed\s+the publisher's digest from GitHub's releases API/);
  });

  it('GITHUB_TOKEN is sent as a bearer token and appears in no output, file or log', async () => {
    const r = await cli(['--verbose', 'canton', 'install'], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode, r.stderr).toBe(0);
    const api = server.requestsFor(published.apiPath);
    expect(api.map((q) => q.authorization)).toEqual([`Bearer ${TOKEN}`]);
    // The download goes to another host in real life (objects.githubusercontent.com): no token there.
    expect(server.requestsFor(published.downloadPath).every((q) => q.authorization === undefined)).toBe(true);
    expect(`${r.stdout}\n${r.stderr}`).not.toContain(TOKEN);
    expect(allText(cache)).not.toContain(TOKEN);
    // A failing run prints the URL and the error, still never the token.
    server.fault(published.apiPath, { status: 500 });
    const bad = await cli(['--verbose', '--json', 'canton', 'install', '--force'], { GITHUB_TOKEN: TOKEN });
    expect(bad.exitCode).toBe(4);
    expect(`${bad.stdout}\n${bad.stderr}`).not.toContain(TOKEN);
  });

  it('a digest that does not match the tarball: exit 7, nothing installed, nothing left in downloads', async () => {
    server.serveRelease('3.4.11', release.tarball, { digest: `sha256:${'0'.repeat(64)}` });
    const r = await cli(['canton', 'install']);
    expect(r.exitCode, r.stderr).toBe(7);
    expect(r.stderr).toContain("the publisher's digest from GitHub's releases API");
    expect(r.stderr).toContain(release.sha256);
    expect(existsSync(join(cache, 'canton', '3.4.11'))).toBe(false);
    expect(readdirSync(join(cache, 'canton')).filter((n) => !n.startsWith('.locks'))).toEqual([]);
    expect(existsSync(join(cache, 'downloads')) ? readdirSync(join(cache, 'downloads')) : []).toEqual([]);
  });

  it.each([
    ['403 rate limit', { status: 403, headers: { 'x-ratelimit-remaining': '0' } }, /answered 403: rate limited/],
    ['404', { status: 404 }, /answered 404: no release v3\.4\.11/],
  ])('the API answering %s: exit 4 with the three ways to pin, nothing downloaded', async (_n, fault, re) => {
    server.fault(published.apiPath, fault);
    const r = await cli(['canton', 'install']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).toContain(`GET ${server.baseUrl}${published.apiPath}`);
    for (const way of ['canton.sha256', '--sha256 <hex>', '--trust-on-first-use']) expect(r.stderr).toContain(way);
    expect(server.requestsFor(published.downloadPath)).toHaveLength(0);
  });

  it('an asset without a digest: the same clear error', async () => {
    server.serveRelease('3.4.11', release.tarball, { digest: null });
    const r = await cli(['--json', 'canton', 'install']);
    expect(r.exitCode).toBe(4);
    const err = JSON.parse(r.stdout) as { error: { kind: string; message: string; hint: string } };
    expect(err.error.kind).toBe('checksum_unknown');
    expect(err.error.message).toContain('carries no sha256 digest');
    expect(err.error.hint).toContain('--trust-on-first-use');
  });

  it('with CANTON_MPC_MIRROR or --file the API is never asked, and the error says so', async () => {
    server.serve('/mirror/canton-open-source-3.4.11.tar.gz', release.tarball);
    const m = await cli(['canton', 'install'], { CANTON_MPC_MIRROR: `${server.baseUrl}/mirror` });
    expect(m.exitCode).toBe(4);
    expect(m.stderr).toContain("with CANTON_MPC_MIRROR set, GitHub's releases API is not asked");
    const f = await cli(['canton', 'install', '--file', release.tarball]);
    expect(f.exitCode).toBe(4);
    expect(f.stderr).toContain("with --file set, GitHub's releases API is not asked");
    expect(server.requests).toEqual([]);
    // Pinned, the mirror works as before, still without the API.
    const ok = await cli(['canton', 'install', '--sha256', release.sha256], { CANTON_MPC_MIRROR: `${server.baseUrl}/mirror` });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual(['/mirror/canton-open-source-3.4.11.tar.gz']);
  });
});
