import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadResumable, parseContentRange } from '../../src/canton/download.js';
import { RemoteError } from '../../src/errors.js';
import { startDownloadServer, type DownloadServer } from '../support/download-server.js';

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
