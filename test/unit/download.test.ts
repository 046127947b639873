import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadResumable, parseContentRange } from '../../src/canton/download.js';
import { extractRelease, startExtraction } from '../../src/canton/extract.js';
import { ensureCantonRelease } from '../../src/canton/install.js';
import { IntegrityError, RemoteError } from '../../src/errors.js';
import { createOutputSync } from '../../src/ui/output.js';
import { startDownloadServer, type DownloadServer } from '../support/download-server.js';
import { treeHashes } from '../support/tree.js';

let dir: string;
let server: DownloadServer;
let data: Buffer;
let sha: string;
let partial: string;
const P = '/file.bin';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cmpc-dl-'));
  data = randomBytes(1024 * 1024 + 123);
  sha = createHash('sha256').update(data).digest('hex');
  writeFileSync(join(dir, 'file.bin'), data);
  server = await startDownloadServer({ [P]: join(dir, 'file.bin') });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.clearFaults();
  server.requests.length = 0;
  partial = join(dir, `p-${randomBytes(4).toString('hex')}.partial`);
});

describe('parseContentRange', () => {
  it.each([
    ['bytes 0-99/100', { start: 0, end: 99, total: 100 }],
    ['bytes 50-99/*', { start: 50, end: 99, total: undefined }],
    ['bytes 5-4/100', undefined],
    ['bytes 0-100/100', undefined],
    ['bytes */100', undefined],
    ['items 0-1/2', undefined],
    [null, undefined],
  ])('%s', (header, expected) => {
    expect(parseContentRange(header)).toEqual(expected);
  });
});

describe('downloadResumable against the local server', () => {
  it('downloads the whole file and hashes it', async () => {
    const r = await downloadResumable({ url: server.url(P), partialPath: partial });
    expect(r).toMatchObject({ sha256: sha, size: data.length, attempts: 1, resumed: false });
    expect(readFileSync(partial).equals(data)).toBe(true);
  });

  it('resumes after a drop, quickly, with a Range request', async () => {
    server.fault(P, { dropAfterBytes: 300_000, times: 1 });
    const t0 = Date.now();
    const retries: string[] = [];
    const r = await downloadResumable({ url: server.url(P), partialPath: partial, onRetry: ({ error }) => retries.push(error.message) });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r).toMatchObject({ sha256: sha, size: data.length, attempts: 2, resumed: true });
    expect(server.requestsFor(P).map((q) => q.range)).toEqual([undefined, 'bytes=300000-']);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatch(/broke off after 300000 bytes/);
  });

  it('keeps going while every attempt makes progress, even past the retry budget', async () => {
    server.fault(P, { dropAfterBytes: 200_000, times: 5 });
    const r = await downloadResumable({ url: server.url(P), partialPath: partial, retries: 2, minDelayMs: 10 });
    expect(r.sha256).toBe(sha);
    expect(r.attempts).toBe(6);
  });

  it('gives up on a permanent 404 at once', async () => {
    const err = await downloadResumable({ url: server.url('/missing'), partialPath: partial }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as RemoteError).message).toBe(`GET ${server.url('/missing')} answered 404 Not Found`);
    expect(server.requests).toHaveLength(1);
  });

  it('retries 503 up to the budget', async () => {
    server.fault(P, { status: 503 });
    const err = await downloadResumable({ url: server.url(P), partialPath: partial, retries: 2, minDelayMs: 10 }).catch((e: unknown) => e);
    expect((err as RemoteError).message).toContain('answered 503');
    expect(server.requests).toHaveLength(3);
  });

  it('a partial that is already complete: 416 with the same total means done', async () => {
    writeFileSync(partial, data);
    const r = await downloadResumable({ url: server.url(P), partialPath: partial });
    expect(r).toMatchObject({ sha256: sha, size: data.length });
    expect(server.requests[0]).toMatchObject({ status: 416 });
  });

  it('a partial longer than the file: 416, restart from zero', async () => {
    writeFileSync(partial, Buffer.concat([data, Buffer.from('extra')]));
    const r = await downloadResumable({ url: server.url(P), partialPath: partial, minDelayMs: 10 });
    expect(r.sha256).toBe(sha);
    expect(server.requests.map((q) => q.status)).toEqual([416, 200]);
  });

  it('a stalled server is abandoned after the stall timeout and resumed', async () => {
    server.fault(P, { stallAfterBytes: 100_000, times: 1 });
    const t0 = Date.now();
    const r = await downloadResumable({ url: server.url(P), partialPath: partial, stallTimeoutMs: 300, minDelayMs: 10 });
    expect(r.sha256).toBe(sha);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(server.requests.map((q) => q.range)).toEqual([undefined, 'bytes=100000-']);
  });

  it('honours an abort signal promptly', async () => {
    server.fault(P, { bytesPerSecond: 50_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop')), 200);
    const t0 = Date.now();
    const err = await downloadResumable({ url: server.url(P), partialPath: partial, signal: ac.signal }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((err as Error).message).toBe('stop');
    expect(existsSync(partial)).toBe(true);
  });
});

describe('downloadResumable with a scripted fetch', () => {
  const body = Buffer.from('0123456789abcdefghij');
  const full = createHash('sha256').update(body).digest('hex');
  const respond = (status: number, payload: Buffer, headers: Record<string, string>) =>
    new Response(new Uint8Array(payload), { status, headers: { 'content-length': String(payload.length), ...headers } });

  it('a 206 whose Content-Range does not start where we asked restarts from zero', async () => {
    writeFileSync(partial, body.subarray(0, 10));
    const seen: (string | undefined)[] = [];
    const fetchImpl = async (_u: string | URL | Request, init?: RequestInit) => {
      const range = (init?.headers as Record<string, string>).range;
      seen.push(range);
      if (range) return respond(206, body.subarray(5), { 'content-range': `bytes 5-19/20` });
      return respond(200, body, {});
    };
    const r = await downloadResumable({ url: 'http://x/f', partialPath: partial, fetchImpl, minDelayMs: 1 });
    expect(seen).toEqual(['bytes=10-', undefined]);
    expect(r.sha256).toBe(full);
    expect(readFileSync(partial).equals(body)).toBe(true);
  });

  it('a valid 206 is appended to the prefix and the prefix is re-hashed', async () => {
    writeFileSync(partial, body.subarray(0, 10));
    const fetchImpl = async () => respond(206, body.subarray(10), { 'content-range': 'bytes 10-19/20' });
    const r = await downloadResumable({ url: 'http://x/f', partialPath: partial, fetchImpl });
    expect(r).toMatchObject({ sha256: full, size: 20, resumed: true });
  });

  it('a complete but short answer is returned as is: the checksum, not the length, catches it', async () => {
    let n = 0;
    const fetchImpl = async () => {
      n++;
      if (n === 1) return new Response(new Uint8Array(body.subarray(0, 7)), { status: 200, headers: { 'content-length': '7' } });
      return respond(200, body, {});
    };
    // first answer claims 7 bytes and delivers them: a complete, short file; no retry, the hash tells.
    const r = await downloadResumable({ url: 'http://x/f', partialPath: partial, fetchImpl });
    expect(r.size).toBe(7);
    expect(n).toBe(1);
  });
});

// ---- streaming unpack: the extractor is fed while the download arrives ----


/** A release-shaped tarball: files of random bytes so that drops land in the middle of entries. */
async function makeRelease(root: string): Promise<{ tarball: string; sha256: string; expected: Record<string, string> }> {
  const stage = join(root, 'stage');
  const top = join(stage, 'canton-open-source-3.4.11');
  mkdirSync(join(top, 'bin'), { recursive: true });
  mkdirSync(join(top, 'lib', 'deep', 'er'), { recursive: true });
  writeFileSync(join(top, 'bin', 'canton'), '#!/bin/sh\necho canton\n', { mode: 0o755 });
  for (let i = 0; i < 6; i++) writeFileSync(join(top, 'lib', i % 2 ? 'deep/er' : '', `part-${i}.jar`), randomBytes(150_000 + i * 97_001));
  const tarball = join(root, 'rel.tar.gz');
  await tar.create({ gzip: true, file: tarball, cwd: stage, portable: true }, ['canton-open-source-3.4.11']);
  const expected = treeHashes(top);
  return { tarball, sha256: createHash('sha256').update(readFileSync(tarball)).digest('hex'), expected };
}

function extractDirs(parent: string): string[] {
  return existsSync(parent) ? readdirSync(parent).filter((n) => n.startsWith('.extract-')) : [];
}

describe('downloadResumable feeding a streaming extraction', () => {
  let rel: Awaited<ReturnType<typeof makeRelease>>;
  const R = '/rel.tar.gz';
  beforeAll(async () => {
    rel = await makeRelease(mkdtempSync(join(dir, 'rel-')));
    server.serve(R, rel.tarball);
  });

  const size = () => statSync(rel.tarball).size;
  it.each<[string, () => void, (partial: string) => void, number[]]>([
    ['no fault', () => undefined, () => undefined, [200]],
    ['two drops, resumed with Range', () => server.fault(R, { dropAfterBytes: 200_001, times: 2 }), () => undefined, [200, 206, 206]],
    ['a .partial left by a killed run', () => undefined, (p) => writeFileSync(p, readFileSync(rel.tarball).subarray(0, Math.floor(size() / 2))), [206]],
    ['a drop, then the server ignores Range (200): restart from zero', () => {
      server.fault(R, { dropAfterBytes: 300_000, times: 1 });
      server.fault(R, { ignoreRange: true, times: 1 });
    }, () => undefined, [200, 200]],
    ['a stale .partial that is not a prefix', () => undefined, (p) => writeFileSync(p, Buffer.alloc(5000, 7)), [206, 200]],
  ])('%s: the unpacked tree equals the tarball contents', async (_name, faults, prepare, statuses) => {
    faults();
    prepare(partial);
    const cache = mkdtempSync(join(dir, 'cache-'));
    const target = join(cache, 'canton', '3.4.11');
    const x = await startExtraction(target, '3.4.11');
    try {
      let r = await downloadResumable({ url: server.url(R), partialPath: partial, sink: x, minDelayMs: 10 });
      if (r.sha256 !== rel.sha256) {
        // What install does after a resumed mismatch: drop the partial and download once more.
        rmSync(partial, { force: true });
        r = await downloadResumable({ url: server.url(R), partialPath: partial, sink: x, minDelayMs: 10 });
      }
      expect(r.sha256).toBe(rel.sha256);
      await x.finish({ name: 'rel.tar.gz', where: server.url(R) });
      await x.commit({ name: 'rel.tar.gz', where: server.url(R), targetDir: target });
    } finally {
      await x.dispose();
    }
    expect(treeHashes(target)).toEqual(rel.expected);
    expect(extractDirs(join(cache, 'canton'))).toEqual([]);
    expect(server.requestsFor(R).map((q) => q.status)).toEqual(statuses);
  });

  it('a 200 answer to a Range request restarts the extraction as well as the file', async () => {
    writeFileSync(partial, readFileSync(rel.tarball).subarray(0, 100_000));
    server.fault(R, { ignoreRange: true });
    const cache = mkdtempSync(join(dir, 'cache-'));
    const target = join(cache, 'canton', '3.4.11');
    const x = await startExtraction(target, '3.4.11');
    try {
      // The extractor first consumes the prefix, then must start over when the whole file comes back.
      await x.seek(100_000, partial);
      const r = await downloadResumable({ url: server.url(R), partialPath: partial, sink: x });
      expect(server.requestsFor(R).map((q) => [q.range, q.status])).toEqual([['bytes=100000-', 200]]);
      expect(r.sha256).toBe(rel.sha256);
      await x.finish({ name: 'rel.tar.gz', where: 'x' });
      await x.commit({ name: 'rel.tar.gz', where: 'x', targetDir: target });
    } finally {
      await x.dispose();
    }
    expect(treeHashes(target)).toEqual(rel.expected);
  });

  it('a checksum mismatch found only at the end leaves no temporary directory, although files were already unpacked', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const parent = join(home, 'canton');
    let seenWhileDownloading: string[] = [];
    // Pass the real body through; before its end, look at what the extraction has written so far.
    const fetchImpl = async (u: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(u, init);
      const reader = res.body!.getReader();
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          const { done, value } = await reader.read();
          if (!done) return c.enqueue(value);
          for (let i = 0; i < 100 && seenWhileDownloading.length === 0; i++) {
            seenWhileDownloading = extractDirs(parent).flatMap((d) => Object.keys(treeHashes(join(parent, d))));
            if (seenWhileDownloading.length === 0) await new Promise((r) => setTimeout(r, 20));
          }
          c.close();
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const err = await ensureCantonRelease({
      version: '3.4.11',
      env: { CANTON_MPC_HOME: home },
      output: createOutputSync({ json: false, verbose: false, color: false, interactive: false, stdout: new PassThrough(), stderr: new PassThrough() }),
      url: server.url(R),
      sha256: 'c'.repeat(64),
      fetchImpl: fetchImpl as typeof fetch,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).kind).toBe('checksum_mismatch');
    expect(seenWhileDownloading).toContain('canton-open-source-3.4.11/bin/canton');
    expect(readdirSync(parent)).toEqual([]);
    expect(readdirSync(join(home, 'downloads'))).toEqual([]);
  });
});

// ---- hostile archives ----

/** A gzipped tar built header by header, so that it can hold names node-tar would never write. */
function rawTarGz(entries: { path: string; type?: 'File' | 'SymbolicLink' | 'Link' | 'Directory'; linkpath?: string; body?: string; mode?: number }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const type = e.type ?? 'File';
    const h = new tar.Header({ path: e.path, type, linkpath: e.linkpath, size: type === 'File' ? body.length : 0, mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644), mtime: new Date(0), uid: 0, gid: 0 });
    h.encode();
    blocks.push(h.block!);
    if (type === 'File' && body.length) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

describe('extractRelease refuses hostile archives', () => {
  const legit = [
    { path: 'canton-open-source-3.4.11/', type: 'Directory' as const },
    { path: 'canton-open-source-3.4.11/bin/', type: 'Directory' as const },
    { path: 'canton-open-source-3.4.11/bin/canton', body: '#!/bin/sh\n', mode: 0o755 },
  ];
  it.each<[string, (outside: string) => Parameters<typeof rawTarGz>[0], RegExp]>([
    ['a ../ path', () => [{ path: '../evil', body: 'pwned' }], /contains '\.\.'/],
    ['a ../ path inside the top folder', () => [{ path: 'canton-open-source-3.4.11/../../evil', body: 'pwned' }], /contains '\.\.'/],
    ['an absolute path', (outside) => [{ path: join(outside, 'evil'), body: 'pwned' }], /absolute path/],
    ['a symlink leaving the directory, then a write through it', () => [
      { path: 'canton-open-source-3.4.11/lib', type: 'SymbolicLink', linkpath: '../../..' },
      { path: 'canton-open-source-3.4.11/lib/evil', body: 'pwned' },
    ], /escapes|symbolic link/],
    ['an absolute symlink', (outside) => [{ path: 'canton-open-source-3.4.11/out', type: 'SymbolicLink', linkpath: outside }], /absolute linkpath/],
    ['a hard link to a file outside', (outside) => [{ path: 'canton-open-source-3.4.11/hl', type: 'Link', linkpath: join(outside, 'secret') }], /absolute linkpath|\.\./],
  ])('%s: rejected, nothing written outside the temporary directory', async (_name, hostile, message) => {
    const root = mkdtempSync(join(dir, 'hostile-'));
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret'), 'keep');
    const cache = join(root, 'cache');
    const target = join(cache, 'canton', '3.4.11');
    const tarball = join(root, 'hostile.tar.gz');
    writeFileSync(tarball, rawTarGz([...legit, ...hostile(outside)]));
    const err = await extractRelease({ tarball, targetDir: target, version: '3.4.11' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).kind).toBe('archive_corrupt');
    expect((err as Error).message).toMatch(message);
    // Nothing escaped: the only things anywhere under root are ours, and the cache holds nothing.
    expect(readdirSync(root).sort()).toEqual(['cache', 'hostile.tar.gz', 'outside']);
    expect(readdirSync(outside)).toEqual(['secret']);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('keep');
    expect(readdirSync(join(cache, 'canton'))).toEqual([]);
  });

  it('the same archive without the hostile entry unpacks (the test archive itself is sound)', async () => {
    const root = mkdtempSync(join(dir, 'sound-'));
    const tarball = join(root, 'ok.tar.gz');
    writeFileSync(tarball, rawTarGz(legit));
    const target = join(root, 'cache', 'canton', '3.4.11');
    await extractRelease({ tarball, targetDir: target, version: '3.4.11' });
    expect(readFileSync(join(target, 'bin', 'canton'), 'utf8')).toBe('#!/bin/sh\n');
  });
});
