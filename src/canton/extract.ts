import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import * as tar from 'tar';
import { IntegrityError } from '../errors.js';
import { isExecutableFile } from '../system/fs.js';

/**
 * Unpacking with node-tar (not the system `tar`): the same behaviour on Linux and macOS, no
 * dependency on GNU tar flags, path traversal (`../`, absolute names) refused by the library, and
 * a corrupt gzip stream or header surfaces as an error we can map (strict mode).
 * Everything lands in a temporary directory next to the target and is renamed into place only
 * when complete, so a crash never leaves a half-unpacked release where `up` would find it.
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

export async function extractRelease(opts: ExtractOptions): Promise<string> {
  const parent = dirname(opts.targetDir);
  await fsp.mkdir(parent, { recursive: true });
  const tmp = join(parent, `${extractTmpPrefix(opts.version)}${process.pid}-${randomBytes(4).toString('hex')}`);
  await fsp.mkdir(tmp);
  try {
    try {
      await unpack(opts.tarball, tmp);
    } catch (e) {
      throw new IntegrityError(`${basename(opts.tarball)} is not a valid .tar.gz archive: ${(e as Error).message}`, {
        where: opts.tarball,
        hint: 'The file is corrupt or not a Canton release; delete it and download again, or check --file.',
        cause: e,
        kind: 'archive_corrupt',
      });
    }
    const root = await findReleaseRoot(tmp);
    if (!root) {
      throw new IntegrityError(`${basename(opts.tarball)} does not contain an executable bin/canton under a single top folder`, {
        where: opts.tarball,
        hint: 'This is not a Canton open-source release tarball (expected canton-open-source-<version>/bin/canton).',
        kind: 'archive_layout',
      });
    }
    for (const [name, content] of Object.entries(opts.extraFiles ?? {})) await fsp.writeFile(join(root, name), content);
    await replaceDir(root, opts.targetDir, opts.version);
    return opts.targetDir;
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/**
 * After a corrupt entry node-tar reports the error while writes of earlier entries may still be in
 * flight; we wait for it to settle so the cleanup that follows removes everything.
 */
export const UNPACK_SETTLE_MS = 1_000;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

async function unpack(file: string, cwd: string): Promise<void> {
  const fh = await fsp.open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    if (bytesRead < 2 || !head.equals(GZIP_MAGIC)) throw new Error('not gzip-compressed');
  } finally {
    await fh.close();
  }
  await new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    let settle: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(settle);
      if (failure) reject(failure);
      else resolve();
    };
    const fail = (e: Error) => {
      failure ??= e;
      clearTimeout(settle);
      settle = setTimeout(done, UNPACK_SETTLE_MS);
    };
    // As root, node-tar would otherwise chown files to the archive's uid/gid.
    const u = new tar.Unpack({ cwd, strict: true, preserveOwner: false });
    u.on('error', fail);
    u.on('close', done);
    const src = createReadStream(file);
    src.on('error', fail);
    src.pipe(u);
  });
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
