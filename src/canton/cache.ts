import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../system/paths.js';
import { isExecutableFile, readJsonIfExists, writeFileAtomic } from '../system/fs.js';
import { withLock } from '../system/lock.js';
import { validateVersion } from './releases.js';

/**
 * The release cache:
 *   <root>/canton/<version>/        an unpacked release (bin/canton, lib/, config/ …)
 *   <root>/downloads/<name>.partial a download in progress, resumed by the next run
 *   <root>/locks/<version>.lock     held while one process installs that version
 *   <root>/trusted.json             hashes recorded with --trust-on-first-use
 */
export function cantonCacheRoot(env: NodeJS.ProcessEnv): string {
  return cacheRoot(env);
}

export function cantonVersionDir(version: string, env: NodeJS.ProcessEnv): string {
  return join(cantonCacheRoot(env), 'canton', validateVersion(version));
}

export function downloadsDir(env: NodeJS.ProcessEnv): string {
  return join(cantonCacheRoot(env), 'downloads');
}

export function lockPath(version: string, env: NodeJS.ProcessEnv): string {
  return join(cantonCacheRoot(env), 'locks', `${validateVersion(version)}.lock`);
}

export function trustedPath(env: NodeJS.ProcessEnv): string {
  return join(cantonCacheRoot(env), 'trusted.json');
}

/** Written next to bin/canton when an install completes: what was verified, from where. */
export const INSTALL_RECORD = '.canton-mpc-install.json';

export interface InstallRecord {
  version: string;
  sha256: string;
  checksumSource: string;
  source: string;
  installedAt: string;
}


/** The directory containing bin/canton, or undefined when that version is not (fully) installed. */
export async function installedCantonHome(version: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dir = cantonVersionDir(version, env);
  return (await isExecutableFile(join(dir, 'bin', 'canton'))) ? dir : undefined;
}

export async function readInstallRecord(home: string): Promise<InstallRecord | undefined> {
  try {
    return await readJsonIfExists<InstallRecord>(join(home, INSTALL_RECORD));
  } catch {
    return undefined;
  }
}

export async function listInstalledVersions(env: NodeJS.ProcessEnv): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(join(cantonCacheRoot(env), 'canton'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: string[] = [];
  for (const name of names) {
    // Temporary extraction directories start with a dot and are never "installed".
    if (name.startsWith('.')) continue;
    try {
      if (await installedCantonHome(name, env)) out.push(name);
    } catch {
      // not a version-shaped name: someone else's directory
    }
  }
  return out.sort(compareVersions);
}

export type TrustedHashes = Record<string, { sha256: string; url: string; recordedAt: string }>;

export async function readTrusted(env: NodeJS.ProcessEnv): Promise<TrustedHashes> {
  return (await readJsonIfExists<TrustedHashes>(trustedPath(env))) ?? {};
}

/** Read-modify-write under a lock: two first-use installs of different versions must not lose one. */
export async function recordTrusted(env: NodeJS.ProcessEnv, version: string, sha256: string, url: string, signal?: AbortSignal): Promise<void> {
  const file = trustedPath(env);
  await withLock(`${file}.lock`, { signal }, async () => {
    const all = await readTrusted(env);
    all[version] = { sha256, url, recordedAt: new Date().toISOString() };
    await writeFileAtomic(file, `${JSON.stringify(all, null, 2)}\n`);
  });
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isInteger(nx) && Number.isInteger(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}
