import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { once } from 'node:events';
import { join, dirname, basename } from 'node:path';
import { createGunzip, type Gunzip } from 'node:zlib';
import * as tar from 'tar';
import { IntegrityError } from '../errors.js';
import { fileSize, isExecutableFile } from '../system/fs.js';
import type { DownloadSink } from './download.js';

/**
 * Unpacking with node-tar (not the system `tar`): the same behaviour on Linux and macOS, no
 * dependency on GNU tar flags, path traversal (`../`, absolute names) refused by the library, and
 * a corrupt gzip stream or header surfaces as an error we can map (strict mode).
 * Unpacking runs while the download arrives (it is a DownloadSink), into a temporary directory
 * next to the target that is renamed into place only once the checksum verified and the archive
 * is complete, so a crash or a bad download never leaves a release where `up` would find it.
 */
const TMP_PREFIX = '.extract-';

export function extractTmpPrefix(version: string): string {
  return `${TMP_PREFIX}${version}-`;
}

/** Remove temporary directories an interrupted run of this version left (we hold its lock). */
export async function removeStaleExtractions(targetDir: string, version: string): Promise<void> {
  const parent = dirname(targetDir);
  let names: string[] = [];
  try {
    names = await fsp.readdir(parent);
  } catch {
    return;
  }
  const prefix = extractTmpPrefix(version);
  await Promise.all(names.filter((n) => n.startsWith(prefix) || n.startsWith(`.old-${version}-`)).map((n) => fsp.rm(join(parent, n), { recursive: true, force: true })));
}

/**
 * The release's single top folder (`canton-open-source-<version>/`), or the root when the
 * archive has no top folder.
 */
async function findReleaseRoot(dir: string): Promise<string | undefined> {
  if (await isExecutableFile(join(dir, 'bin', 'canton'))) return dir;
  const entries = (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory());
  if (entries.length !== 1) return undefined;
  const only = join(dir, entries[0]!.name);
  return (await isExecutableFile(join(only, 'bin', 'canton'))) ? only : undefined;
}

export interface ExtractOptions {
  tarball: string;
  /** `<cache>/canton/<version>`: replaced atomically. */
  targetDir: string;
  version: string;
  /** Files to write into the release root before it is renamed into place. */
  extraFiles?: Record<string, string>;
}

/** Unpack a local tarball (already verified) into place. */
export async function extractRelease(opts: ExtractOptions): Promise<string> {
  const x = await startExtraction(opts.targetDir, opts.version);
  try {
    await x.seek(await fileSize(opts.tarball), opts.tarball);
    const label = { name: basename(opts.tarball), where: opts.tarball };
    await x.finish(label);
    return await x.commit({ ...label, targetDir: opts.targetDir, extraFiles: opts.extraFiles });
  } finally {
    await x.dispose();
  }
}

/**
 * After a corrupt entry node-tar reports the error while writes of earlier entries may still be in
 * flight; we wait for it to settle (or to close) so the cleanup that follows removes everything.
 */
export const UNPACK_SETTLE_MS = 1_000;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
/** Inflated output per zlib call: fewer, larger hand-offs to the tar parser. */
const GUNZIP_CHUNK_BYTES = 256 * 1024;
const READ_CHUNK_BYTES = 1 << 20;

/** What names the archive in messages: `name` in the text, `where` (URL or path) as the location. */
export interface ArchiveLabel {
  name: string;
  where: string;
}

/**
 * An unpacker fed while the archive is still arriving (a `DownloadSink`): everything goes into a
 * temporary directory next to the target, which `commit` renames into place; nothing reaches the
 * target before the caller has verified the checksum and called `commit`. `dispose` always
 * removes the temporary directory.
 */
export interface StreamingExtraction extends DownloadSink {
  /** No more input: wait until every entry is on disk. Throws IntegrityError (archive_corrupt). */
  finish(label: ArchiveLabel): Promise<void>;
  /** Move the release root to `targetDir` (replacing it). Throws IntegrityError (archive_layout). */
  commit(opts: ArchiveLabel & { targetDir: string; extraFiles?: Record<string, string> }): Promise<string>;
  dispose(): Promise<void>;
}

interface Run {
  dir: string;
  gunzip: Gunzip;
  unpack: tar.Unpack;
  /** Archive bytes handed to gunzip (or dropped after a failure): always a prefix of the file. */
  consumed: number;
  head: Buffer;
  failure?: Error;
  /** Resolves when node-tar closed, or settled after a failure; never rejects. */
  done: Promise<void>;
  failed: Promise<void>;
  fail(e: Error): void;
}


/**
 * gunzip is node's zlib (inflating on the libuv thread pool, in parallel with hashing and the
 * network) rather than node-tar's synchronous one; node-tar then parses plain tar.
 * `strict` turns node-tar's warnings into errors: a `..` path, an absolute path or a link target
 * leaving the directory fails the install instead of being skipped or rewritten.
 */
function newRun(dir: string): Run {
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  // As root, node-tar would otherwise chown files to the archive's uid/gid.
  const unpack = new tar.Unpack({ cwd: dir, strict: true, preserveOwner: false });
  let settle: NodeJS.Timeout | undefined;
  let closed = false;
  let resolveDone!: () => void;
  let resolveFailed!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const failed = new Promise<void>((r) => (resolveFailed = r));
  const run: Run = {
    dir,
    gunzip,
    unpack,
    consumed: 0,
    head: Buffer.alloc(0),
    done,
    failed,
    fail(e) {
      if (run.failure) return;
      run.failure = e;
      resolveFailed();
      gunzip.unpipe(unpack);
      gunzip.destroy();
      if (closed) return;
      settle = setTimeout(resolveDone, UNPACK_SETTLE_MS);
      // Ending the input lets node-tar close (and resolve `done`) as soon as its writes are finished.
      try {
        unpack.end();
      } catch {
        /* already ended */
      }
    },
  };
  unpack.on('error', (e: Error) => run.fail(e));
  gunzip.on('error', (e: Error) => run.fail(e));
  unpack.on('close', () => {
    closed = true;
    clearTimeout(settle);
    resolveDone();
  });
  gunzip.pipe(unpack);
  return run;
}

export async function startExtraction(targetDir: string, version: string): Promise<StreamingExtraction> {
  const parent = dirname(targetDir);
  await fsp.mkdir(parent, { recursive: true });
  const tmpDirs: string[] = [];
  const newTmp = async () => {
    const tmp = join(parent, `${extractTmpPrefix(version)}${process.pid}-${randomBytes(4).toString('hex')}`);
    await fsp.mkdir(tmp);
    tmpDirs.push(tmp);
    return tmp;
  };
  let run = newRun(await newTmp());

  const write = (chunk: Buffer): Promise<void> | undefined => {
    const r = run;
    if (r.head.length < GZIP_MAGIC.length) {
      r.head = Buffer.concat([r.head, chunk.subarray(0, GZIP_MAGIC.length - r.head.length)]);
      if (r.head.length === GZIP_MAGIC.length && !r.head.equals(GZIP_MAGIC)) r.fail(new Error('not gzip-compressed'));
    }
    r.consumed += chunk.length;
    if (r.failure) return undefined;
    if (r.gunzip.write(chunk)) return undefined;
    return Promise.race([once(r.gunzip, 'drain').then(() => undefined, () => undefined), r.failed]);
  };

  const abort = async (r: Run) => {
    r.fail(new Error('extraction abandoned'));
    await r.done;
    await fsp.rm(r.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };

  return {
    async seek(offset, partialPath) {
      if (run.consumed > offset) {
        // The file was restarted below what we unpacked: start over in a fresh directory.
        const old = run;
        run = newRun(await newTmp());
        await abort(old);
      }
      if (run.consumed === offset) return;
      for await (const chunk of createReadStream(partialPath, { start: run.consumed, end: offset - 1, highWaterMark: READ_CHUNK_BYTES })) {
        const fed = write(chunk as Buffer);
        if (fed) await fed;
      }
      if (run.consumed !== offset) throw new Error(`${partialPath} is shorter than ${offset} bytes`);
    },
    write,
    async finish(label) {
      const r = run;
      if (!r.failure) {
        if (r.head.length < GZIP_MAGIC.length) r.fail(new Error('not gzip-compressed'));
        else r.gunzip.end();
      }
      await r.done;
      if (r.failure) {
        throw new IntegrityError(`${label.name} is not a valid .tar.gz archive: ${r.failure.message}`, {
          where: label.where,
          hint: 'The file is corrupt or not a Canton release; delete it and download again, or check --file.',
          cause: r.failure,
          kind: 'archive_corrupt',
        });
      }
    },
    async commit(opts) {
      const root = await findReleaseRoot(run.dir);
      if (!root) {
        throw new IntegrityError(`${opts.name} does not contain an executable bin/canton under a single top folder`, {
          where: opts.where,
          hint: 'This is not a Canton open-source release tarball (expected canton-open-source-<version>/bin/canton).',
          kind: 'archive_layout',
        });
      }
      for (const [name, content] of Object.entries(opts.extraFiles ?? {})) await fsp.writeFile(join(root, name), content);
      await replaceDir(root, opts.targetDir, version);
      return opts.targetDir;
    },
    async dispose() {
      if (!run.failure) await abort(run).catch(() => undefined);
      else await run.done;
      await Promise.all(tmpDirs.map((d) => fsp.rm(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })));
    },
  };
}

/** rename(2) cannot replace a non-empty directory: move the old one aside first, then drop it. */
async function replaceDir(from: string, to: string, version: string): Promise<void> {
  try {
    await fsp.rename(from, to);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
  }
  const old = join(dirname(to), `.old-${version}-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fsp.rename(to, old);
  await fsp.rename(from, to);
  await fsp.rm(old, { recursive: true, force: true });
}
