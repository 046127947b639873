import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Transform } from 'node:stream';

/**
 * A local HTTP file server for download tests: Range support (206 + Content-Range, 416) and
 * faults injected per path: drop the connection after N bytes, serve wrong bytes, answer an error
 * status, ignore Range (answer 200), or send slowly. Every request is recorded.
 */
export interface Fault {
  /** Send the full Content-Length header, then cut the connection after this many body bytes. */
  dropAfterBytes?: number;
  /** Send this many body bytes, then nothing more while keeping the connection open (a stall). */
  stallAfterBytes?: number;
  /** Flip bits in the body (same length): the download completes but its hash is wrong. */
  corrupt?: boolean;
  /** Answer this status (404, 500 …) with a short text body. */
  status?: number;
  /** Answer 200 with the whole file even when a Range is asked for. */
  ignoreRange?: boolean;
  /** Throttle the body to this many bytes per second. */
  bytesPerSecond?: number;
  /** Apply to this many requests of the path, then drop the fault (default: every request). */
  times?: number;
  /** Extra headers with an injected status (e.g. GitHub's x-ratelimit-remaining: 0). */
  headers?: Record<string, string>;
}

/** What `serveRelease` publishes: the digest in the releases JSON may be made wrong, or left out. */
export interface ReleaseOptions {
  /** `sha256:<hex>` by default computed over the file; `null` leaves the field out (older assets). */
  digest?: string | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  range?: string;
  /** What the server answered. */
  status: number;
  /** Body bytes actually sent. */
  bytesSent: number;
  /** The Authorization header as received (tests check the token arrives, and where). */
  authorization?: string;
}

export interface DownloadServer {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  /** Serve `file` at `path` (e.g. `/canton-open-source-3.4.11.tar.gz`). */
  serve(path: string, file: string): void;
  fault(path: string, fault: Fault): void;
  /**
   * Publish `file` as release v<version> the way GitHub does: the releases API document at
   * `releaseApiPath(version)` (GET /repos/digital-asset/canton/releases/tags/v<version>) lists it
   * among the assets with its `digest`, and its `browser_download_url` points back at this server.
   */
  serveRelease(version: string, file: string, opts?: ReleaseOptions): { apiPath: string; downloadPath: string; sha256: string };
  clearFaults(path?: string): void;
  url(path: string): string;
  requestsFor(path: string): RecordedRequest[];
  close(): Promise<void>;
}

const RANGE_RE = /^bytes=(\d*)-(\d*)$/;

export async function startDownloadServer(files: Record<string, string> = {}): Promise<DownloadServer> {
  const served = new Map<string, string>(Object.entries(files));
  const faults = new Map<string, Fault[]>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();

  const takeFault = (path: string): Fault | undefined => {
    const list = faults.get(path);
    const f = list?.[0];
    if (!f) return undefined;
    if (f.times !== undefined) {
      f.times--;
      if (f.times <= 0) list.shift();
    }
    return f;
  };

  const documents = new Map<string, () => string>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const range = req.headers.range;
    const auth = req.headers.authorization;
    const rec: RecordedRequest = { method: req.method ?? 'GET', path, ...(range ? { range } : {}), ...(auth ? { authorization: auth } : {}), status: 0, bytesSent: 0 };
    requests.push(rec);
    const fault = takeFault(path);
    const file = served.get(path);
    const answer = (status: number, text: string, type = 'text/plain', extra: Record<string, string> = {}) => {
      rec.status = status;
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };
    if (fault?.status) {
      // GitHub's API errors are JSON documents; a plain-text body elsewhere.
      const json = documents.has(path);
      return answer(fault.status, json ? JSON.stringify({ message: `injected ${fault.status}`, documentation_url: 'https://docs.github.com/rest' }) : `injected ${fault.status}\n`, json ? 'application/json' : 'text/plain', fault.headers);
    }
    const doc = documents.get(path);
    if (doc) return answer(200, doc(), 'application/json; charset=utf-8');
    if (!file) return answer(404, path.startsWith('/repos/') ? JSON.stringify({ message: 'Not Found', status: '404' }) : 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, 'method not allowed\n');

    const size = statSync(file).size;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const headers: Record<string, string | number> = { 'content-type': 'application/gzip', 'accept-ranges': 'bytes' };
    if (range && !fault?.ignoreRange) {
      const m = RANGE_RE.exec(range);
      const s = m?.[1] ? Number(m[1]) : undefined;
      const e = m?.[2] ? Number(m[2]) : undefined;
      if (!m || (s === undefined && e === undefined) || (s !== undefined && s >= size)) {
        rec.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-length': 0 });
        return res.end();
      }
      if (s === undefined) start = Math.max(0, size - e!);
      else {
        start = s;
        end = e === undefined ? size - 1 : Math.min(e, size - 1);
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${size}`;
    }
    const length = end - start + 1;
    headers['content-length'] = length;
    rec.status = status;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || length === 0) return res.end();

    const socket = req.socket;
    const limit = fault?.dropAfterBytes ?? fault?.stallAfterBytes;
    const stallOnly = fault?.dropAfterBytes === undefined && fault?.stallAfterBytes !== undefined;
    const rate = fault?.bytesPerSecond;
    let dropped = false;
    const shaper = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        if (dropped) return cb();
        let out = chunk;
        if (fault?.corrupt) {
          out = Buffer.from(chunk);
          for (let i = 0; i < out.length; i += 997) out[i] = out[i]! ^ 0xff;
        }
        if (limit !== undefined && rec.bytesSent + out.length >= limit) {
          dropped = true;
          out = out.subarray(0, Math.max(0, limit - rec.bytesSent));
          // Let what was sent reach the client, then cut the connection as a network failure would
          // (or, for a stall, keep it open and silent until the client gives up).
          if (!stallOnly) setTimeout(() => socket.destroy(), 50);
          else stream.unpipe(shaper);
        }
        rec.bytesSent += out.length;
        if (!rate) return cb(null, out);
        setTimeout(() => cb(null, out), Math.ceil((out.length / rate) * 1000));
      },
    });
    const stream = createReadStream(file, { start, end, highWaterMark: rate ? Math.max(1024, Math.floor(rate / 10)) : 256 * 1024 });
    stream.pipe(shaper).pipe(res);
    res.on('close', () => stream.destroy());
  };

  const server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    port,
    requests,
    serve(path, file) {
      served.set(path, file);
    },
    fault(path, fault) {
      const list = faults.get(path) ?? [];
      list.push({ ...fault });
      faults.set(path, list);
    },
    serveRelease(version, file, opts = {}) {
      const name = `canton-open-source-${version}.tar.gz`;
      const downloadPath = `/digital-asset/canton/releases/download/v${version}/${name}`;
      const apiPath = `/repos/digital-asset/canton/releases/tags/v${version}`;
      const data = readFileSync(file);
      const sha256 = createHash('sha256').update(data).digest('hex');
      served.set(downloadPath, file);
      const digest = opts.digest === undefined ? `sha256:${sha256}` : opts.digest;
      documents.set(apiPath, () => JSON.stringify(releaseDocument({ baseUrl, version, name, size: data.length, digest, downloadPath }), null, 2));
      return { apiPath, downloadPath, sha256 };
    },
    clearFaults(path) {
      if (path) faults.delete(path);
      else faults.clear();
    },
    url(path) {
      return `${baseUrl}${path}`;
    },
    requestsFor(path) {
      return requests.filter((r) => r.path === path);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A release document shaped like GitHub's `GET /repos/{owner}/{repo}/releases/tags/{tag}` answer
 * (https://docs.github.com/en/rest/releases/releases#get-a-release-by-tag-name): the fields a client
 * meets, several assets (the tarball, its zip twin, a checksum-less extra), `digest` per asset.
 */
function releaseDocument(o: { baseUrl: string; version: string; name: string; size: number; digest: string | null; downloadPath: string }): Record<string, unknown> {
  const api = `${o.baseUrl}/repos/digital-asset/canton`;
  const uploader = { login: 'canton-release-bot', id: 1, type: 'User', site_admin: false };
  const at = '2025-11-20T10:00:00Z';
  const asset = (id: number, name: string, size: number, digest: string | null, url: string, contentType: string) => ({
    url: `${api}/releases/assets/${id}`,
    id,
    node_id: `RA_${id}`,
    name,
    label: '',
    uploader,
    content_type: contentType,
    state: 'uploaded',
    size,
    ...(digest === null ? {} : { digest }),
    download_count: 42,
    created_at: at,
    updated_at: at,
    browser_download_url: url,
  });
  return {
    url: `${api}/releases/1001`,
    assets_url: `${api}/releases/1001/assets`,
    upload_url: `${o.baseUrl}/uploads/repos/digital-asset/canton/releases/1001/assets{?name,label}`,
    html_url: `${o.baseUrl}/digital-asset/canton/releases/tag/v${o.version}`,
    id: 1001,
    author: uploader,
    node_id: 'RE_1001',
    tag_name: `v${o.version}`,
    target_commitish: 'release-line-3.4',
    name: `Canton ${o.version}`,
    draft: false,
    immutable: false,
    prerelease: false,
    created_at: at,
    published_at: at,
    assets: [
      asset(2001, `canton-open-source-${o.version}.zip`, o.size + 1234, `sha256:${'1'.repeat(64)}`, `${o.baseUrl}/digital-asset/canton/releases/download/v${o.version}/canton-open-source-${o.version}.zip`, 'application/zip'),
      asset(2002, o.name, o.size, o.digest, `${o.baseUrl}${o.downloadPath}`, 'application/gzip'),
      asset(2003, 'release-notes.md', 2048, null, `${o.baseUrl}/digital-asset/canton/releases/download/v${o.version}/release-notes.md`, 'text/markdown'),
    ],
    tarball_url: `${api}/tarball/v${o.version}`,
    zipball_url: `${api}/zipball/v${o.version}`,
    body: `Release of Canton ${o.version}.`,
  };
}

/**
 * A small tarball with the release layout (`canton-open-source-<version>/bin/canton` executable,
 * `lib/`, `config/`), for tests that need no working Canton. `padBytes` of random data (gzip
 * cannot shrink it) make it big enough to interrupt mid-file.
 */
export async function makeReleaseTarball(opts: { outDir: string; version?: string; padBytes?: number; name?: string }): Promise<{ tarball: string; sha256: string; size: number; dirName: string }> {
  const { mkdirSync, writeFileSync, chmodSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { createHash, randomBytes } = await import('node:crypto');
  const tar = await import('tar');
  const version = opts.version ?? '3.4.11';
  const dirName = `canton-open-source-${version}`;
  const stage = join(opts.outDir, `stage-${randomBytes(4).toString('hex')}`);
  const root = join(stage, dirName);
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'lib'), { recursive: true });
  mkdirSync(join(root, 'config'), { recursive: true });
  writeFileSync(join(root, 'bin', 'canton'), `#!/bin/sh\necho "fake canton ${version}"\n`);
  chmodSync(join(root, 'bin', 'canton'), 0o755);
  writeFileSync(join(root, 'config', 'participant.conf'), 'canton {}\n');
  writeFileSync(join(root, 'lib', 'canton-open-source.jar'), randomBytes(opts.padBytes ?? 64 * 1024));
  const tarball = join(opts.outDir, opts.name ?? `${dirName}.tar.gz`);
  await tar.c({ gzip: true, file: tarball, cwd: stage, portable: true }, [dirName]);
  const data = readFileSync(tarball);
  return { tarball, sha256: createHash('sha256').update(data).digest('hex'), size: data.length, dirName };
}
