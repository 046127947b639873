import { execa } from 'execa';
import { createHash } from 'node:crypto';
import * as tar from 'tar';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packDistribution } from '../emulator/pack.js';
import { startDownloadServer, type DownloadServer } from '../support/download-server.js';
import { treeHashes } from '../support/tree.js';
import { filesUnder } from '../support/cli.js';

const CLI = resolve(import.meta.dirname, '../../bin/canton-mpc.js');
const NAME = 'canton-open-source-3.4.11.tar.gz';
const PATH = `/${NAME}`;

let work: string;
let server: DownloadServer;
let release: { tarball: string; sha256: string; size: number };
let cache: string;

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const base: Record<string, string | undefined> = { ...process.env, CANTON_MPC_HOME: cache, CI: '1', CANTON_MPC_MIRROR: undefined };
  return execa('node', [CLI, ...args], { env: { ...base, ...env }, extendEnv: false, reject: false, cwd: work });
}


function cacheEntries(sub: string): string[] {
  const dir = join(cache, sub);
  return existsSync(dir) ? readdirSync(dir) : [];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cmpc-install-'));
  release = await packDistribution({ outDir: join(work, 'pkg'), padBytes: 3 * 1024 * 1024 });
  server = await startDownloadServer({ [PATH]: release.tarball });
});

afterAll(async () => {
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  cache = mkdtempSync(join(work, 'cache-'));
  server.clearFaults();
  server.requests.length = 0;
});

describe('canton install', () => {
  it('installs from a URL, verifies, and a second run finds it installed without downloading', async () => {
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    const home = join(cache, 'canton', '3.4.11');
    expect(r.stdout.trim()).toBe(home);
    accessSync(join(home, 'bin', 'canton'), constants.X_OK);
    expect(existsSync(join(home, 'lib', 'canton-emulator.mjs'))).toBe(true);
    expect(cacheEntries('downloads')).toEqual([]);
    expect(cacheEntries('canton')).toEqual(['3.4.11']);
    expect(server.requestsFor(PATH)).toHaveLength(1);

    const again = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('already installed');
    expect(server.requestsFor(PATH)).toHaveLength(1);

    const path = await cli(['canton', 'path', '3.4.11']);
    expect(path.exitCode).toBe(0);
    expect(path.stdout.trim()).toBe(home);

    const list = await cli(['--json', 'canton', 'list']);
    const doc = JSON.parse(list.stdout) as { releases: { version: string; installed: boolean; sha256: string }[] };
    expect(doc.releases.find((x) => x.version === '3.4.11')).toMatchObject({ installed: true, sha256: release.sha256 });
  });

  it('refuses a checksum mismatch with exit 7, naming both hashes, and leaves nothing in the cache', async () => {
    const wrong = 'a'.repeat(64);
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', wrong]);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toContain(wrong);
    expect(r.stderr).toContain(release.sha256);
    expect(cacheEntries('downloads')).toEqual([]);
    expect(cacheEntries('canton')).toEqual([]);
  });

  it('refuses bytes corrupted in transit (exit 7), partial removed', async () => {
    server.fault(PATH, { corrupt: true });
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode).toBe(7);
    expect(r.stderr).toMatch(/sha256 mismatch/);
    expect(cacheEntries('downloads')).toEqual([]);
    expect(cacheEntries('canton')).toEqual([]);
  });

  it('resumes with Range after the connection drops mid-file, then verifies', async () => {
    const cut = Math.floor(release.size / 3);
    server.fault(PATH, { dropAfterBytes: cut, times: 1 });
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    const reqs = server.requestsFor(PATH);
    expect(reqs).toHaveLength(2);
    expect(reqs[0]!.range).toBeUndefined();
    // The client resumes where its file ends: at most what the server pushed before the cut.
    const from = Number(/^bytes=(\d+)-$/.exec(reqs[1]!.range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(cut);
    expect(reqs[1]!.status).toBe(206);
    expect(reqs[1]!.bytesSent).toBe(release.size - from);
    accessSync(join(cache, 'canton', '3.4.11', 'bin', 'canton'), constants.X_OK);
  });

  it('a download that breaks twice mid-way and resumes unpacks exactly the tarball contents', async () => {
    const ref = mkdtempSync(join(work, 'ref-'));
    await tar.x({ file: release.tarball, cwd: ref });
    const [top] = readdirSync(ref);
    server.fault(PATH, { dropAfterBytes: Math.floor(release.size / 3), times: 2 });
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requestsFor(PATH).map((q) => q.status)).toEqual([200, 206, 206]);
    const installed = treeHashes(join(cache, 'canton', '3.4.11'));
    expect(Object.keys(installed)).toContain('.canton-mpc-install.json');
    delete installed['.canton-mpc-install.json'];
    const expected = treeHashes(join(ref, top!));
    expect(Object.keys(expected).length).toBeGreaterThan(3);
    expect(installed).toEqual(expected);
    expect(cacheEntries('canton')).toEqual(['3.4.11']);
    expect(cacheEntries('downloads')).toEqual([]);
  });

  it('resumes a .partial left by a killed run', async () => {
    const half = Math.floor(release.size / 2);
    mkdirSync(join(cache, 'downloads'), { recursive: true });
    writeFileSync(join(cache, 'downloads', `${NAME}.partial`), readFileSync(release.tarball).subarray(0, half));
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    const reqs = server.requestsFor(PATH);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.range).toBe(`bytes=${half}-`);
    expect(reqs[0]!.bytesSent).toBe(release.size - half);
    expect(r.stderr).toContain('Resuming');
  });

  it('restarts from zero when the server ignores Range (200)', async () => {
    const half = Math.floor(release.size / 2);
    mkdirSync(join(cache, 'downloads'), { recursive: true });
    writeFileSync(join(cache, 'downloads', `${NAME}.partial`), readFileSync(release.tarball).subarray(0, half));
    server.fault(PATH, { ignoreRange: true });
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    const reqs = server.requestsFor(PATH);
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.status).toBe(200);
    expect(reqs[0]!.bytesSent).toBe(release.size);
  });

  it('re-downloads from zero when a stale .partial is not a prefix of the file', async () => {
    mkdirSync(join(cache, 'downloads'), { recursive: true });
    writeFileSync(join(cache, 'downloads', `${NAME}.partial`), Buffer.alloc(1000, 7));
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    const reqs = server.requestsFor(PATH);
    expect(reqs.map((q) => q.range)).toEqual(['bytes=1000-', undefined]);
  });

  it('404: a clear error naming the URL, exit 5, no retries', async () => {
    const url = server.url('/nope/canton-open-source-3.4.11.tar.gz');
    const r = await cli(['canton', 'install', '3.4.11', '--url', url, '--sha256', release.sha256]);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(`GET ${url} answered 404`);
    expect(r.stderr).toContain('hint:');
    expect(server.requestsFor('/nope/canton-open-source-3.4.11.tar.gz')).toHaveLength(1);
    expect(cacheEntries('canton')).toEqual([]);
  });

  it('500: retried with backoff, then a clear error naming the URL, exit 5', async () => {
    server.fault(PATH, { status: 500 });
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode).toBe(5);
    expect(r.stderr).toContain(`GET ${server.url(PATH)} answered 500`);
    expect(server.requestsFor(PATH).length).toBeGreaterThan(1);
  });

  it('500 once, then success: the retry succeeds', async () => {
    server.fault(PATH, { status: 500, times: 1 });
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requestsFor(PATH).map((q) => q.status)).toEqual([500, 200]);
  });

  it('two installs at once: one download, both succeed', async () => {
    // Slow enough that the second process starts while the first still downloads.
    server.fault(PATH, { bytesPerSecond: Math.ceil(release.size / 1.5) });
    const args = ['canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256];
    const [a, b] = await Promise.all([cli(args), cli(args)]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(server.requestsFor(PATH)).toHaveLength(1);
    const home = join(cache, 'canton', '3.4.11');
    expect([a.stdout, b.stdout].every((o) => o.includes(home))).toBe(true);
    expect([a.stdout, b.stdout].filter((o) => o.includes('already installed'))).toHaveLength(1);
    expect(cacheEntries('canton')).toEqual(['3.4.11']);
  });

  it('--file installs offline after verifying the checksum', async () => {
    const r = await cli(['canton', 'install', '3.4.11', '--file', release.tarball, '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests).toHaveLength(0);
    accessSync(join(cache, 'canton', '3.4.11', 'bin', 'canton'), constants.X_OK);
    expect(existsSync(release.tarball)).toBe(true);
  });

  it('--file with a wrong checksum: exit 7, the user file untouched', async () => {
    const r = await cli(['canton', 'install', '3.4.11', '--file', release.tarball, '--sha256', 'b'.repeat(64)]);
    expect(r.exitCode).toBe(7);
    expect(existsSync(release.tarball)).toBe(true);
    expect(cacheEntries('canton')).toEqual([]);
  });

  it('a corrupt archive with a matching checksum: exit 7, no half-extracted directory left', async () => {
    const full = readFileSync(release.tarball);
    const truncated = join(work, 'truncated.tar.gz');
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length * 0.6)));
    const sha = createHash('sha256').update(readFileSync(truncated)).digest('hex');
    server.serve('/truncated.tar.gz', truncated);
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url('/truncated.tar.gz'), '--sha256', sha]);
    expect(r.exitCode, r.stderr).toBe(7);
    expect(r.stderr).toMatch(/not a valid \.tar\.gz/);
    expect(cacheEntries('canton')).toEqual([]);
    expect(cacheEntries('downloads')).toEqual([]);

    const garbage = join(work, 'garbage.tar.gz');
    writeFileSync(garbage, Buffer.from('this is not gzip at all\n'.repeat(100)));
    const sha2 = createHash('sha256').update(readFileSync(garbage)).digest('hex');
    const r2 = await cli(['canton', 'install', '3.4.11', '--file', garbage, '--sha256', sha2]);
    expect(r2.exitCode, r2.stderr).toBe(7);
    expect(cacheEntries('canton')).toEqual([]);
  });

  it('an unknown checksum the publisher API does not know either is refused before downloading', async () => {
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH)], { CANTON_MPC_GITHUB_API: server.baseUrl });
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toContain('no sha256 is known for Canton 3.4.11');
    expect(r.stderr).toContain('--sha256');
    expect(r.stderr).toContain('--trust-on-first-use');
    expect(server.requests.map((q) => q.path)).toEqual(['/repos/digital-asset/canton/releases/tags/v3.4.11']);
  });

  it('--trust-on-first-use records the hash and warns; later installs verify against it', async () => {
    const r = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH), '--trust-on-first-use']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*trusted this download on first use: sha256 [0-9a-f]{64}/);
    expect(r.stderr).toContain(release.sha256);
    const trusted = JSON.parse(readFileSync(join(cache, 'trusted.json'), 'utf8')) as Record<string, { sha256: string; url: string }>;
    expect(trusted['3.4.11']).toMatchObject({ sha256: release.sha256, url: server.url(PATH) });

    // Same file again, no flags: verified against the recorded hash.
    expect((await cli(['canton', 'remove', '3.4.11'])).exitCode).toBe(0);
    const again = await cli(['canton', 'install', '3.4.11', '--url', server.url(PATH)]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('warning');

    // A different file under the same version is refused.
    const other = await packDistribution({ outDir: join(work, 'other'), padBytes: 1024 });
    server.serve('/other.tar.gz', other.tarball);
    expect((await cli(['canton', 'remove', '3.4.11'])).exitCode).toBe(0);
    const bad = await cli(['canton', 'install', '3.4.11', '--url', server.url('/other.tar.gz')]);
    expect(bad.exitCode).toBe(7);
    expect(bad.stderr).toContain('recorded on first use');
    expect(bad.stderr).toContain(other.sha256);
  });

  it('CANTON_MPC_MIRROR: downloads <mirror>/canton-open-source-<version>.tar.gz', async () => {
    server.serve(`/mirror/${NAME}`, release.tarball);
    const r = await cli(['canton', 'install', '--sha256', release.sha256], { CANTON_MPC_MIRROR: `${server.baseUrl}/mirror/` });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual([`/mirror/${NAME}`]);
  });

  it('--json streams NDJSON events ending with done; nothing animated on stderr', async () => {
    server.fault(PATH, { bytesPerSecond: Math.ceil(release.size / 1.2) });
    const r = await cli(['--json', 'canton', 'install', '3.4.11', '--url', server.url(PATH), '--sha256', release.sha256]);
    expect(r.exitCode, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; percent?: number });
    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe('start');
    expect(kinds.slice(-3)).toEqual(['verified', 'extracted', 'done']);
    const progress = events.filter((e) => e.event === 'progress');
    expect(progress.length).toBeGreaterThan(2);
    // throttled: far fewer events than body chunks
    expect(progress.length).toBeLessThan(60);
    expect(progress[progress.length - 1]!.percent).toBe(100);
    expect(events[events.length - 1]).toMatchObject({ event: 'done', ok: true, installed: true, sha256: release.sha256 });
    expect(r.stderr).not.toMatch(/\r|\u001b\[/);
  });

  it('remove is idempotent; path of a missing version exits 4', async () => {
    expect((await cli(['canton', 'install', '3.4.11', '--file', release.tarball, '--sha256', release.sha256])).exitCode).toBe(0);
    const first = await cli(['canton', 'remove', '3.4.11']);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('Removed');
    const second = await cli(['canton', 'remove', '3.4.11']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('not installed');
    const p = await cli(['canton', 'path', '3.4.11']);
    expect(p.exitCode).toBe(4);
    expect(p.stderr).toContain('canton-mpc canton install 3.4.11');
    expect(cacheEntries('canton')).toEqual([]);
  });

  it('rejects a version that is not a version', async () => {
    const r = await cli(['canton', 'install', '../../etc', '--sha256', release.sha256]);
    expect(r.exitCode).toBe(2);
    expect(statSync(cache).isDirectory()).toBe(true);
    expect(cacheEntries('canton')).toEqual([]);
  });
});

// No checksum anywhere (the catalogue has none for 3.4.11, no config, no flag, no first-use record):
// the publisher's digest comes from GitHub's releases API, here the local server's realistic copy of it.
const TOKEN = 'ghp_e2eTestToken0123456789abcdefABCDEF';
let published: { apiPath: string; downloadPath: string; sha256: string };
const pcli = (args: string[], env: Record<string, string | undefined> = {}) => cli(args, { CANTON_MPC_GITHUB_API: server.baseUrl, GITHUB_TOKEN: undefined, ...env });

/** Every file under dir, as text (the cache holds records, trusted.json, the unpacked release). */
function allText(dir: string): string {
  return filesUnder(dir)
    .map((f) => readFileSync(f, 'latin1'))
    .join('\n');
}

describe('checksums from the publisher API', () => {
  beforeEach(() => {
    published = server.serveRelease('3.4.11', release.tarball);
  });

  it('installs verified against the asset digest, downloading the asset URL the API gave; the source is recorded and printed', async () => {
    const r = await pcli(['canton', 'install']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual([published.apiPath, published.downloadPath]);
    expect(r.stderr).toContain(`from ${server.url(published.downloadPath)}, sha256 ${release.sha256} verified against the publisher's digest from GitHub's releases API`);
    const record = JSON.parse(readFileSync(join(cache, 'canton', '3.4.11', '.canton-mpc-install.json'), 'utf8')) as Record<string, string>;
    expect(record).toMatchObject({ sha256: release.sha256, checksumSource: 'publisher-api', source: server.url(published.downloadPath) });

    const list = await pcli(['--json', 'canton', 'list']);
    const row = (JSON.parse(list.stdout) as { releases: Array<Record<string, unknown>> }).releases.find((x) => x.version === '3.4.11');
    expect(row).toMatchObject({ installed: true, checksumKnown: true, checksumSource: 'publisher-api', sha256: release.sha256 });
    const human = await pcli(['canton', 'list']);
    expect(human.stdout).toMatch(/3\.4\.11\s+installed\s+the publisher's digest from GitHub's releases API/);
  });

  it('canton list: a checksum pinned in the config is shown as such; a config that does not load only warns', async () => {
    const cfg = join(work, 'pinned.yaml');
    writeFileSync(cfg, `canton: { sha256: ${release.sha256} }\n`);
    const r = await pcli(['--json', '-c', cfg, 'canton', 'list']);
    expect(r.exitCode, r.stderr).toBe(0);
    const row = (JSON.parse(r.stdout) as { releases: Array<Record<string, unknown>> }).releases.find((x) => x.version === '3.4.11');
    expect(row).toMatchObject({ installed: false, checksumKnown: true, checksumSource: 'config', sha256: release.sha256 });
    writeFileSync(cfg, 'bogus: 1\n');
    const bad = await pcli(['-c', cfg, 'canton', 'list']);
    expect(bad.exitCode).toBe(0);
    expect(bad.stderr).toMatch(/warning: the project config was not read \(.*unknown key "bogus"/);
    expect(bad.stdout).toMatch(/3\.4\.11\s+not installed\s+unknown \(asked from GitHub's releases API at install\)/);
  });

  it('GITHUB_TOKEN is sent as a bearer token and appears in no output, file or log', async () => {
    const r = await pcli(['--verbose', 'canton', 'install'], { GITHUB_TOKEN: TOKEN });
    expect(r.exitCode, r.stderr).toBe(0);
    const api = server.requestsFor(published.apiPath);
    expect(api.map((q) => q.authorization)).toEqual([`Bearer ${TOKEN}`]);
    // The download goes to another host in real life (objects.githubusercontent.com): no token there.
    expect(server.requestsFor(published.downloadPath).every((q) => q.authorization === undefined)).toBe(true);
    expect(`${r.stdout}\n${r.stderr}`).not.toContain(TOKEN);
    expect(allText(cache)).not.toContain(TOKEN);
    // A failing run prints the URL and the error, still never the token.
    server.fault(published.apiPath, { status: 500 });
    const bad = await pcli(['--verbose', '--json', 'canton', 'install', '--force'], { GITHUB_TOKEN: TOKEN });
    expect(bad.exitCode).toBe(4);
    expect(`${bad.stdout}\n${bad.stderr}`).not.toContain(TOKEN);
  });

  it('a digest that does not match the tarball: exit 7, nothing installed, nothing left in downloads', async () => {
    server.serveRelease('3.4.11', release.tarball, { digest: `sha256:${'0'.repeat(64)}` });
    const r = await pcli(['canton', 'install']);
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
    const r = await pcli(['canton', 'install']);
    expect(r.exitCode).toBe(4);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).toContain(`GET ${server.baseUrl}${published.apiPath}`);
    for (const way of ['canton.sha256', '--sha256 <hex>', '--trust-on-first-use']) expect(r.stderr).toContain(way);
    expect(server.requestsFor(published.downloadPath)).toHaveLength(0);
  });

  it('an asset without a digest: the same clear error', async () => {
    server.serveRelease('3.4.11', release.tarball, { digest: null });
    const r = await pcli(['--json', 'canton', 'install']);
    expect(r.exitCode).toBe(4);
    const err = JSON.parse(r.stdout) as { error: { kind: string; message: string; hint: string } };
    expect(err.error.kind).toBe('checksum_unknown');
    expect(err.error.message).toContain('carries no sha256 digest');
    expect(err.error.hint).toContain('--trust-on-first-use');
  });

  it('with CANTON_MPC_MIRROR or --file the API is never asked, and the error says so', async () => {
    server.serve('/mirror/canton-open-source-3.4.11.tar.gz', release.tarball);
    const m = await pcli(['canton', 'install'], { CANTON_MPC_MIRROR: `${server.baseUrl}/mirror` });
    expect(m.exitCode).toBe(4);
    expect(m.stderr).toContain("with CANTON_MPC_MIRROR set, GitHub's releases API is not asked");
    const f = await pcli(['canton', 'install', '--file', release.tarball]);
    expect(f.exitCode).toBe(4);
    expect(f.stderr).toContain("with --file set, GitHub's releases API is not asked");
    expect(server.requests).toEqual([]);
    // Pinned, the mirror works as before, still without the API.
    const ok = await pcli(['canton', 'install', '--sha256', release.sha256], { CANTON_MPC_MIRROR: `${server.baseUrl}/mirror` });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(server.requests.map((q) => q.path)).toEqual(['/mirror/canton-open-source-3.4.11.tar.gz']);
  });
});
