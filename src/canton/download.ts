import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import pRetry, { AbortError } from 'p-retry';
import { RemoteError, type CantonMpcError } from '../errors.js';
import { httpRequest, type FetchLike } from '../system/http.js';
import { fileSize } from '../system/fs.js';

/**
 * A resumable download into a `.partial` file. Each attempt re-hashes the bytes already on disk and
 * asks for the rest with `Range`; the caller verifies the returned sha256 and renames.
 */
export const DOWNLOAD_RETRIES = 5;
export const RETRY_MIN_DELAY_MS = 250;
export const RETRY_MAX_DELAY_MS = 8_000;
/** No byte for this long means a dead connection, even if the socket stays open. */
export const STALL_TIMEOUT_MS = 30_000;
/** fetch needs an overall bound; the stall timer is the one that normally fires. */
export const DOWNLOAD_TOTAL_TIMEOUT_MS = 6 * 60 * 60_000;
const WRITE_BATCH_BYTES = 1 << 20;

export interface DownloadProgress {
  url: string;
  /** Bytes in the partial file so far (including a resumed prefix). */
  bytes: number;
  /** Full size when the server said it. */
  total?: number;
  /** Where the current attempt started. */
  resumedFrom: number;
}

export interface DownloadOptions {
  url: string;
  partialPath: string;
  fetchImpl?: FetchLike;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Called before each retry, with the failure that caused it. */
  onRetry?: (info: { attempt: number; error: Error; retriesLeft: number }) => void;
  retries?: number;
  minDelayMs?: number;
  stallTimeoutMs?: number;
  /** Also receives every byte, in file order, as it lands in the partial file (the streaming unpacker). */
  sink?: DownloadSink;
}

/**
 * A consumer of the downloaded bytes that runs alongside the download. Before an attempt's first
 * byte, `seek(offset)` says that the next `write` carries byte `offset` of the file and that the
 * bytes before it are in `partialPath`: a sink that has consumed fewer reads the gap from disk, one
 * that has consumed more (a 200 answer to a Range request, a discarded partial) starts over.
 * `write` may return a promise for backpressure; it must not throw (a sink records its own failure).
 */
export interface DownloadSink {
  seek(offset: number, partialPath: string): Promise<void>;
  write(chunk: Buffer): Promise<void> | undefined;
}

export interface DownloadResult {
  sha256: string;
  size: number;
  /** How many HTTP attempts it took. */
  attempts: number;
  /** Whether any attempt continued from bytes already on disk. */
  resumed: boolean;
}

/** Failures that another attempt will not fix (404, 403 …). */
function permanent(err: CantonMpcError): AbortError {
  return new AbortError(err);
}

function unwrapAbort(e: unknown): unknown {
  return e instanceof AbortError ? e.originalError : e;
}


/** Hash the first `length` bytes of a file (all of it when omitted). */
export async function hashFile(path: string, length?: number, hash: Hash = createHash('sha256')): Promise<Hash> {
  if (length === 0) return hash;
  const stream = createReadStream(path, length === undefined ? {} : { start: 0, end: length - 1 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash;
}

export async function sha256File(path: string): Promise<string> {
  return (await hashFile(path)).digest('hex');
}

const CONTENT_RANGE_RE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

export function parseContentRange(header: string | null): { start: number; end: number; total?: number } | undefined {
  const m = header ? CONTENT_RANGE_RE.exec(header.trim()) : null;
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (end < start || (total !== undefined && end >= total)) return undefined;
  return { start, end, total };
}

function httpFailure(url: string, res: Response): CantonMpcError {
  const where = `GET ${url}`;
  const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  const hint =
    res.status === 404
      ? 'Check the version and the URL; with CANTON_MPC_MIRROR the file must be <mirror>/canton-open-source-<version>.tar.gz. Offline: --file <tarball>.'
      : res.status >= 500
        ? 'The server failed; try again later, use another --url, or install from a local copy with --file.'
        : 'Check the URL and any proxy or credentials it needs, or install from a local copy with --file.';
  return new RemoteError(`GET ${url} answered ${status}`, { where, hint, kind: 'download_failed', data: { url, status: res.status } });
}

export async function downloadResumable(opts: DownloadOptions): Promise<DownloadResult> {
  const retries = opts.retries ?? DOWNLOAD_RETRIES;
  let attempts = 0;
  let resumed = false;
  let progressMade = false;

  const attempt = async (): Promise<DownloadResult> => {
    attempts++;
    progressMade = false;
    opts.signal?.throwIfAborted();
    let offset = await fileSize(opts.partialPath);
    let hash = await hashFile(opts.partialPath, offset);

    const stall = new AbortController();
    const stallMs = opts.stallTimeoutMs ?? STALL_TIMEOUT_MS;
    let stallTimer: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => stall.abort(new Error(`no data for ${stallMs} ms`)), stallMs);
    };
    const signal = opts.signal ? AbortSignal.any([opts.signal, stall.signal]) : stall.signal;
    armStall();
    try {
      const headers: Record<string, string> = { 'accept-encoding': 'identity' };
      if (offset > 0) headers.range = `bytes=${offset}-`;
      const res = await httpRequest(opts.url, { headers, signal, timeoutMs: DOWNLOAD_TOTAL_TIMEOUT_MS }, opts.fetchImpl);

      let total: number | undefined;
      if (res.status === 206 && offset > 0) {
        const range = parseContentRange(res.headers.get('content-range'));
        if (!range || range.start !== offset) {
          // A range we did not ask for cannot be appended; start over rather than guess.
          await res.body?.cancel().catch(() => undefined);
          await fsp.rm(opts.partialPath, { force: true });
          throw new RemoteError(`GET ${opts.url} answered 206 with Content-Range "${res.headers.get('content-range')}", expected bytes ${offset}-…; restarting from zero`, {
            where: `GET ${opts.url}`,
            kind: 'download_range_invalid',
          });
        }
        total = range.total;
        resumed = true;
      } else if (res.status === 200 || (res.status === 206 && offset === 0)) {
        if (offset > 0) {
          // The server ignored Range and sends the whole file: restart from zero.
          offset = 0;
          hash = createHash('sha256');
        }
        const len = res.headers.get('content-length');
        total = len !== null && /^\d+$/.test(len) ? Number(len) : undefined;
      } else if (res.status === 416) {
        await res.body?.cancel().catch(() => undefined);
        const m = /^bytes \*\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
        if (m && Number(m[1]) === offset) {
          await opts.sink?.seek(offset, opts.partialPath);
          return { sha256: hash.digest('hex'), size: offset, attempts, resumed: true };
        }
        await fsp.rm(opts.partialPath, { force: true });
        throw new RemoteError(`GET ${opts.url} answered 416 for bytes=${offset}-: the partial file is not a prefix of it; restarting from zero`, {
          where: `GET ${opts.url}`,
          kind: 'download_range_invalid',
        });
      } else {
        await res.body?.cancel().catch(() => undefined);
        const err = httpFailure(opts.url, res);
        if (res.status >= 500 || res.status === 429 || res.status === 408) throw err;
        throw permanent(err);
      }
      if (!res.body) throw new RemoteError(`GET ${opts.url} answered ${res.status} without a body`, { where: `GET ${opts.url}` });

      // The sink may read a resumed prefix from disk first: time spent locally is not a stall.
      clearTimeout(stallTimer);
      await opts.sink?.seek(offset, opts.partialPath);
      armStall();
      let bytes = offset;
      const startedAt = offset;
      opts.onProgress?.({ url: opts.url, bytes, total, resumedFrom: startedAt });
      const h = hash;
      const sink = opts.sink;
      // Chunks from fetch are small (~64 KiB): batch them into large writes, one write in flight
      // while the next batch is received and hashed. Far cheaper than a stream pipeline per chunk.
      // The sink gets the same batches as the file, so what it consumed is always a prefix of the file.
      const fh = await fsp.open(opts.partialPath, offset > 0 ? 'a' : 'w');
      let batch: Uint8Array[] = [];
      let batchBytes = 0;
      let inFlight: Promise<unknown> = Promise.resolve();
      const flush = async () => {
        await inFlight;
        if (batchBytes === 0) return;
        const data = Buffer.concat(batch, batchBytes);
        batch = [];
        batchBytes = 0;
        inFlight = fh.write(data);
        const fed = sink?.write(data);
        if (fed) await fed;
      };
      // A reader loop: measurably cheaper per chunk than the web stream's async iterator.
      const reader = res.body.getReader();
      let finished = false;
      try {
        try {
          for (;;) {
            const { done, value: chunk } = await reader.read();
            if (done) break;
            h.update(chunk);
            bytes += chunk.length;
            progressMade = true;
            batch.push(chunk);
            batchBytes += chunk.length;
            if (batchBytes >= WRITE_BATCH_BYTES) {
              // Waiting for the disk or the unpacker is not the server going silent.
              clearTimeout(stallTimer);
              await flush();
            }
            armStall();
            opts.onProgress?.({ url: opts.url, bytes, total, resumedFrom: startedAt });
          }
          finished = true;
        } catch (e) {
          if (opts.signal?.aborted) throw opts.signal.reason ?? e;
          if ((e as NodeJS.ErrnoException).syscall) throw e;
          const reason = stall.signal.aborted ? String((stall.signal.reason as Error).message) : describe(e);
          throw new RemoteError(`GET ${opts.url} broke off after ${bytes} bytes: ${reason}`, { where: `GET ${opts.url}`, cause: e, kind: 'download_interrupted' });
        } finally {
          if (!finished) await reader.cancel().catch(() => undefined);
          // What arrived before a failure is kept: the next attempt resumes after it.
          await flush();
          await inFlight;
        }
      } catch (e) {
        // A local write failure (ENOSPC, EACCES) will not be fixed by asking the server again.
        if ((e as NodeJS.ErrnoException).syscall) throw permanent(new RemoteError(`cannot write ${opts.partialPath}: ${(e as Error).message}`, { where: opts.partialPath, cause: e, kind: 'download_write_failed' }));
        throw e;
      } finally {
        await fh.close();
      }
      if (total !== undefined && bytes !== total) {
        throw new RemoteError(`GET ${opts.url} ended after ${bytes} of ${total} bytes`, { where: `GET ${opts.url}`, kind: 'download_interrupted' });
      }
      return { sha256: h.digest('hex'), size: bytes, attempts, resumed };
    } catch (e) {
      if (opts.signal?.aborted) throw new AbortError(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted'));
      throw e;
    } finally {
      clearTimeout(stallTimer);
    }
  };

  try {
    return await pRetry(attempt, {
      retries,
      minTimeout: opts.minDelayMs ?? RETRY_MIN_DELAY_MS,
      maxTimeout: RETRY_MAX_DELAY_MS,
      factor: 2,
      signal: opts.signal,
      // A connection that keeps breaking but keeps delivering bytes is slow, not dead.
      shouldConsumeRetry: () => !progressMade,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0) opts.onRetry?.({ attempt: attemptNumber, error, retriesLeft });
      },
    });
  } catch (e) {
    throw unwrapAbort(e);
  }
}

function describe(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
}
