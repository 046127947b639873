import { describe, expect, it } from 'vitest';
import { cantonCacheRoot, compareVersions } from '../../src/canton/cache.js';
import { chooseChecksum, chooseUrls, loadCatalogue, mirrorUrl, normalizeSha256, validateVersion } from '../../src/canton/releases.js';
import { UserError } from '../../src/errors.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('the shipped catalogue', () => {
  it('lists 3.4.11 with the GitHub URL first, the Daml mirror second, and no invented checksum', async () => {
    const c = await loadCatalogue();
    expect(c.default).toBe('3.4.11');
    const e = c.releases['3.4.11']!;
    expect(e.urls).toEqual([
      'https://github.com/digital-asset/canton/releases/download/v3.4.11/canton-open-source-3.4.11.tar.gz',
      'https://github.com/digital-asset/daml/releases/download/v3.4.11/canton-open-source-3.4.11.tar.gz',
    ]);
    expect(e.sha256).toBeNull();
    expect(e.sha256Note).toMatch(/unknown/i);
  });
});

describe('chooseUrls', () => {
  const entry = { urls: ['https://a/x.tgz', 'https://b/x.tgz'], sha256: null };
  it.each([
    ['--url wins over everything', { url: 'http://u/f', env: { CANTON_MPC_MIRROR: 'http://m' }, entry }, ['http://u/f'], '--url'],
    ['the mirror replaces the internet (no fallback)', { env: { CANTON_MPC_MIRROR: 'http://m/base/' }, entry }, ['http://m/base/canton-open-source-3.4.11.tar.gz'], 'CANTON_MPC_MIRROR'],
    ['the catalogue, primary then secondary', { env: {}, entry }, ['https://a/x.tgz', 'https://b/x.tgz'], 'catalogue'],
    [
      'an unknown version follows the publisher pattern',
      { env: {} },
      ['https://github.com/digital-asset/canton/releases/download/v3.4.11/canton-open-source-3.4.11.tar.gz', 'https://github.com/digital-asset/daml/releases/download/v3.4.11/canton-open-source-3.4.11.tar.gz'],
      'pattern',
    ],
  ])('%s', (_name, opts, urls, origin) => {
    expect(chooseUrls('3.4.11', opts as Parameters<typeof chooseUrls>[1])).toEqual({ urls, origin });
  });
  it('mirror URL layout is flat', () => {
    expect(mirrorUrl('https://mirror.example/canton///', '3.4.12')).toBe('https://mirror.example/canton/canton-open-source-3.4.12.tar.gz');
  });
});

describe('chooseChecksum', () => {
  const known = { urls: ['https://a'], sha256: A };
  const unknown = { urls: ['https://a'], sha256: null };
  it.each([
    ['flag only', { flag: B, entry: unknown }, { kind: 'known', sha256: B, source: '--sha256' }],
    ['flag agrees with catalogue', { flag: A.toUpperCase(), entry: known }, { kind: 'known', sha256: A, source: '--sha256' }],
    ['catalogue', { entry: known }, { kind: 'known', sha256: A, source: 'catalogue' }],
    ['trusted record', { entry: unknown, trusted: B }, { kind: 'known', sha256: B, source: 'trusted' }],
    ['trusted record beats --trust-on-first-use', { entry: unknown, trusted: B, trustOnFirstUse: true }, { kind: 'known', sha256: B, source: 'trusted' }],
    ['tofu', { entry: unknown, trustOnFirstUse: true }, { kind: 'tofu' }],
    ['nothing known', { entry: unknown }, { kind: 'unknown' }],
    ['not in the catalogue', {}, { kind: 'unknown' }],
    ['sha256: prefix accepted', { flag: `sha256:${B}` }, { kind: 'known', sha256: B, source: '--sha256' }],
    ['config pin', { entry: unknown, config: B.toUpperCase() }, { kind: 'known', sha256: B, source: 'config' }],
    ['config pin beats a first-use record', { entry: unknown, config: B, trusted: A }, { kind: 'known', sha256: B, source: 'config' }],
    ['flag agrees with config', { entry: unknown, config: B, flag: B }, { kind: 'known', sha256: B, source: '--sha256' }],
    ['config agrees with catalogue', { entry: known, config: A }, { kind: 'known', sha256: A, source: 'catalogue' }],
  ])('%s', (_name, opts, expected) => {
    expect(chooseChecksum({ version: '3.4.11', ...opts })).toEqual(expected);
  });
  it('a flag contradicting the catalogue is refused', () => {
    expect(() => chooseChecksum({ version: '3.4.11', flag: B, entry: known })).toThrow(/contradicts the catalogue/);
  });
  it.each([
    ['config vs catalogue', { config: B, entry: known }, /canton\.sha256 b+ contradicts the catalogue's sha256 a+/],
    ['flag vs config', { flag: A, config: B, entry: unknown }, /--sha256 a+ contradicts canton\.sha256 b+/],
  ])('%s: refused', (_name, opts, re) => {
    expect(() => chooseChecksum({ version: '3.4.11', ...opts })).toThrow(re);
  });
  it('the publisher URL goes first among the internet URLs, and never replaces a mirror or --url', () => {
    const entry = { urls: ['https://a/x.tgz', 'https://b/x.tgz'], sha256: null };
    expect(chooseUrls('3.4.11', { env: {}, entry, publisherUrl: 'https://b/x.tgz' }).urls).toEqual(['https://b/x.tgz', 'https://a/x.tgz']);
    expect(chooseUrls('3.4.11', { env: { CANTON_MPC_MIRROR: 'http://m' }, entry, publisherUrl: 'https://p' }).urls).toEqual(['http://m/canton-open-source-3.4.11.tar.gz']);
    expect(chooseUrls('3.4.11', { env: {}, url: 'http://u', entry, publisherUrl: 'https://p' }).urls).toEqual(['http://u']);
  });
  it.each(['abc', 'g'.repeat(64), `${A}0`])('malformed --sha256 %s', (hex) => {
    expect(() => normalizeSha256(hex)).toThrow(UserError);
  });
});

describe('versions and the cache root', () => {
  it.each(['3.4.11', '3.4.12-snapshot.20260318.17629.0.v212d8420', '10.0.0'])('accepts %s', (v) => {
    expect(validateVersion(v)).toBe(v);
  });
  it.each(['../../etc', '3.4', 'v3.4.11', '3.4.11/..', ''])('rejects %j', (v) => {
    expect(() => validateVersion(v)).toThrow(UserError);
  });
  it.each([
    ['3.4.9', '3.4.11', -1],
    ['3.4.11', '3.4.11', 0],
    ['3.5.0', '3.4.11', 1],
  ])('%s vs %s', (a, b, s) => {
    expect(Math.sign(compareVersions(a, b))).toBe(s);
  });
  it.each([
    [{ CANTON_MPC_HOME: '/srv/cmpc', XDG_CACHE_HOME: '/x' }, '/srv/cmpc'],
    [{ XDG_CACHE_HOME: '/x/cache' }, '/x/cache/canton-mpc'],
  ])('%j → %s', (env, root) => {
    expect(cantonCacheRoot(env)).toBe(root);
  });
  it('defaults to the XDG cache directory named canton-mpc (no -nodejs suffix)', () => {
    expect(cantonCacheRoot({ HOME: '/home/u' })).toMatch(/canton-mpc$/);
  });
});
