import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { dirname, join, basename } from 'node:path';

export async function ensureDir(dir: string, mode?: number): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  if (mode !== undefined) await fsp.chmod(dir, mode);
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await fsp.access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** Size in bytes; 0 when the file does not exist (a fresh log, a download not yet started). */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await fsp.stat(path)).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) return false;
    await fsp.access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Write through a temporary file in the same directory and rename, so a reader (or a crash)
 * never sees a half-written file. `mode` is applied before the rename.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await fsp.writeFile(tmp, data, { mode });
    await fsp.chmod(tmp, mode);
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** Secrets live in files only readable by their owner, in a directory only the owner can list. */
export async function writeSecretFile(path: string, data: string): Promise<void> {
  await ensureDir(dirname(path), 0o700);
  await writeFileAtomic(path, data, 0o600);
}

export async function readJsonIfExists<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return JSON.parse(text) as T;
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
