import { describe, expect, it } from 'vitest';
import { digestFromRelease, fetchPublisherDigest, githubApiBase, releaseApiUrl } from '../../src/canton/publisher.js';
import { PrerequisiteError } from '../../src/errors.js';
import { redact } from '../../src/ui/redact.js';

const NAME = 'canton-open-source-3.4.11.tar.gz';
const HEX = 'c0ffee'.repeat(10) + 'abcd';
const URL_ = 'https://github.com/digital-asset/canton/releases/download/v3.4.11/' + NAME;
const asset = (over: Record<string, unknown> = {}) => ({ name: NAME, digest: `sha256:${HEX}`, browser_download_url: URL_, ...over });

describe('digestFromRelease', () => {
  it.each([
    ['the tarball among other assets', { assets: [{ name: 'x.zip', digest: `sha256:${'1'.repeat(64)}` }, asset()] }, { sha256: HEX, downloadUrl: URL_ }],
    ['upper-case hex is normalised', { assets: [asset({ digest: `sha256:${HEX.toUpperCase()}` })] }, { sha256: HEX, downloadUrl: URL_ }],
    ['no assets list', {}, { missing: 'the answer has no assets list' }],
    ['no such asset', { assets: [{ name: 'other.tar.gz' }] }, { missing: `the release has no asset ${NAME}` }],
    ['asset without digest (uploaded before GitHub computed them)', { assets: [asset({ digest: undefined })] }, { missing: `the asset ${NAME} carries no sha256 digest` }],
    ['a digest of another algorithm', { assets: [asset({ digest: `sha512:${HEX}` })] }, { missing: `the asset ${NAME} carries no sha256 digest` }],
    ['no download URL', { assets: [asset({ browser_download_url: 'file:///etc/passwd' })] }, { missing: `the asset ${NAME} has no browser_download_url` }],
  ])('%s', (_n, doc, expected) => {
    expect(digestFromRelease(doc, '3.4.11')).toEqual(expected);
  });
});

describe('the API base', () => {
  it.each([
    [{}, 'https://api.github.com/repos/digital-asset/canton/releases/tags/v3.4.11'],
    [{ CANTON_MPC_GITHUB_API: 'http://127.0.0.1:8080/' }, 'http://127.0.0.1:8080/repos/digital-asset/canton/releases/tags/v3.4.11'],
    [{ CANTON_MPC_GITHUB_API: '  ' }, 'https://api.github.com/repos/digital-asset/canton/releases/tags/v3.4.11'],
  ])('%j', (env, url) => {
    expect(releaseApiUrl('3.4.11', env)).toBe(url);
    expect(githubApiBase(env)).toBe(url.replace(/\/repos\/.*/, ''));
  });
});

type Call = { url: string; headers: Record<string, string> };
function fake(status: number, body: unknown, headers: Record<string, string> = {}) {
  const calls: Call[] = [];
  const impl = async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), headers: (init?.headers ?? {}) as Record<string, string> });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  };
  return { calls, impl };
}

describe('fetchPublisherDigest', () => {
  const TOKEN = 'ghp_unit_test_token_0123456789';
  it('reads the digest, sends GITHUB_TOKEN as a bearer over HTTPS and registers it as a secret', async () => {
    const f = fake(200, { assets: [asset()] });
    const d = await fetchPublisherDigest({ version: '3.4.11', env: { GITHUB_TOKEN: TOKEN }, fetchImpl: f.impl });
    expect(d).toEqual({ sha256: HEX, downloadUrl: URL_, apiUrl: 'https://api.github.com/repos/digital-asset/canton/releases/tags/v3.4.11' });
    expect(f.calls[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(f.calls[0]!.headers.accept).toBe('application/vnd.github+json');
    expect(redact(`token ${TOKEN}`)).toBe('token ***');
  });
  it('never sends the token over plain http to a host that is not loopback', async () => {
    const f = fake(200, { assets: [asset()] });
    await fetchPublisherDigest({ version: '3.4.11', env: { GITHUB_TOKEN: TOKEN, CANTON_MPC_GITHUB_API: 'http://proxy.example' }, fetchImpl: f.impl });
    expect(f.calls[0]!.headers.authorization).toBeUndefined();
  });
  it.each([
    ['rate limit', 403, { 'x-ratelimit-remaining': '0' }, /rate limited/],
    ['secondary rate limit', 429, {}, /rate limited/],
    ['no such release', 404, {}, /404: no release v3\.4\.11 in digital-asset\/canton/],
    ['server error', 502, {}, /answered 502/],
    ['a refused token', 401, {}, /401: GITHUB_TOKEN was refused/],
  ])('%s: exit 4 naming the three ways to pin', async (_n, status, headers, re) => {
    const f = fake(status, { message: 'x' }, headers);
    const err = await fetchPublisherDigest({ version: '3.4.11', env: {}, fetchImpl: f.impl }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    const e = err as PrerequisiteError;
    expect(e.exitCode).toBe(4);
    expect(e.message).toMatch(re);
    expect(e.where).toBe('GET https://api.github.com/repos/digital-asset/canton/releases/tags/v3.4.11');
    for (const way of ['canton.sha256', '--sha256 <hex>', '--trust-on-first-use']) expect(e.hint).toContain(way);
  });
  it('a connection failure is the same clear error', async () => {
    const impl = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    };
    const err = (await fetchPublisherDigest({ version: '3.4.11', env: {}, fetchImpl: impl }).catch((e: unknown) => e)) as PrerequisiteError;
    expect(err.kind).toBe('checksum_unknown');
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
  it('an answer that is not JSON', async () => {
    const f = fake(200, '<html>');
    await expect(fetchPublisherDigest({ version: '3.4.11', env: {}, fetchImpl: f.impl })).rejects.toThrow(/not JSON/);
  });
});
