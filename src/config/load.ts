/**
 * Finding and loading the project config. Parsing and validation (yaml, smol-toml, zod: ~120 ms of
 * imports) live in parse.ts and are loaded only on a cache miss: commands that run often against an
 * unchanged config (`status`, `up` on a healthy topology) reuse the topology compiled last time.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import { cacheRoot } from '../system/paths.js';
import { activateSecurity } from '../security/activate.js';
import { writeFileAtomic } from '../system/fs.js';
import { VERSION } from '../version.js';
import type { StorageKind, Topology } from './types.js';

export interface LoadOptions {
  cwd: string;
  configPath?: string;
  env: NodeJS.ProcessEnv;
  storageOverride?: StorageKind;
  /**
   * Reuse (and store) the compiled topology in the user cache, keyed by the config's path and bytes,
   * the flags and canton-mpc's own build. Only successful loads are stored.
   */
  cache?: boolean;
  /**
   * The command acts on a running topology (down, status, logs, users): without a config file in
   * cwd or above, the built-in defaults are used only where their state directory exists, since
   * anything else would talk to whatever listens on the default ports.
   */
  requireProject?: boolean;
}

export interface LoadedProject {
  /** Absolute path of the config file; undefined: no file, built-in defaults. */
  file: string | undefined;
  topology: Topology;
}

export const CONFIG_FILE_NAMES = ['canton-mpc.yaml', 'canton-mpc.yml', 'canton-mpc.toml'] as const;
/** The default `stateDir` (schema.ts DEFAULT_STATE_DIR), repeated so this fast path imports no zod. */
const DEFAULT_STATE_DIR_NAME = '.canton-mpc';

/** Bump when the cached shape changes without a change to the config sources' build. */
const TOPOLOGY_CACHE_FORMAT = 1;

export async function loadProject(opts: LoadOptions): Promise<LoadedProject> {
  const { file, root } = await locateProject(opts.cwd, opts.configPath);
  if (!file && opts.requireProject && !(await fsp.stat(join(root, DEFAULT_STATE_DIR_NAME)).catch(() => undefined))) {
    throw new UserError(`no canton-mpc project found in ${opts.cwd} or any directory above it`, {
      where: opts.cwd,
      hint: `Run this in the project directory (the one with ${CONFIG_FILE_NAMES.join(' or ')}, or with the ${DEFAULT_STATE_DIR_NAME}/ directory of a config-less project), or pass --config FILE.`,
      exitCode: ExitCode.USAGE,
      kind: 'no_project',
    });
  }
  const text = file ? await fsp.readFile(file, 'utf8') : undefined;
  const entry = opts.cache ? await cacheEntry({ ...opts, cwd: root }, file, text) : undefined;
  if (entry) {
    const hit = await readCached(entry);
    if (hit) return secured(hit, opts.env);
  }
  const { buildProject } = await import('./parse.js');
  const loaded = buildProject(file, text, root, opts.storageOverride);
  if (entry) await writeFileAtomic(entry, JSON.stringify(loaded)).catch(() => undefined);
  return secured(loaded, opts.env);
}

/** canton-mpc's own HTTP calls to this topology trust its CA and carry its tokens (src/security/). */
function secured(p: LoadedProject, env: NodeJS.ProcessEnv): LoadedProject {
  activateSecurity(p.topology, env);
  return p;
}

async function cacheEntry(opts: LoadOptions, file: string | undefined, text: string | undefined): Promise<string> {
  const h = createHash('sha256');
  for (const part of [String(TOPOLOGY_CACHE_FORMAT), VERSION, await buildStamp(), file ?? `defaults:${resolve(opts.cwd)}`, text ?? '', opts.storageOverride ?? '']) {
    h.update(part);
    h.update('\0');
  }
  return join(cacheRoot(opts.env), 'topologies', `${h.digest('hex')}.json`);
}

/**
 * The config code's own build (file sizes and mtimes of this directory), so a rebuilt canton-mpc
 * never reuses a topology compiled by an older one, even at the same version number.
 */
async function buildStamp(): Promise<string> {
  // security/ derives the topology's SecuritySpec, so its build counts too.
  const stamps = await Promise.all([new URL('.', import.meta.url), new URL('../security/', import.meta.url)].map(async (dir) => {
    const names = (await fsp.readdir(dir)).filter((n) => n.endsWith('.js')).sort();
    const stats = await Promise.all(names.map((n) => fsp.stat(new URL(n, dir))));
    return names.map((n, i) => `${n}:${stats[i]!.size}:${stats[i]!.mtimeMs}`).join(',');
  }));
  return stamps.join(';');
}

async function readCached(entry: string): Promise<LoadedProject | undefined> {
  try {
    const loaded = JSON.parse(await fsp.readFile(entry, 'utf8')) as LoadedProject;
    return loaded && typeof loaded === 'object' && loaded.topology ? loaded : undefined;
  } catch {
    return undefined;
  }
}

export function formatOf(file: string): 'yaml' | 'toml' {
  return extname(file).toLowerCase() === '.toml' ? 'toml' : 'yaml';
}

/** `--config` wins; otherwise the one config file in cwd or the nearest directory above it. Two of them in one directory is ambiguous, so an error. */
export async function findConfigFile(cwd: string, configPath?: string): Promise<string | undefined> {
  return (await locateProject(cwd, configPath)).file;
}

/**
 * The project: its config file (in cwd or the nearest directory above it) and root directory (the
 * file's directory; cwd for a config-less project on the built-in defaults).
 */
export async function locateProject(cwd: string, configPath?: string): Promise<{ file: string | undefined; root: string }> {
  if (configPath) {
    const abs = isAbsolute(configPath) ? configPath : resolve(cwd, configPath);
    const st = await fsp.stat(abs).catch(() => undefined);
    if (!st) throw new UserError(`config file ${configPath} does not exist`, { where: '--config', hint: 'check the path, or run `canton-mpc init` to write one' });
    if (!st.isFile()) throw new UserError(`config path ${configPath} is not a file`, { where: '--config', hint: 'pass the path of canton-mpc.yaml or canton-mpc.toml' });
    return { file: abs, root: dirname(abs) };
  }
  // Like git and npm: the nearest directory at or above cwd that holds a config file.
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found: string[] = [];
    for (const name of CONFIG_FILE_NAMES) {
      const p = join(dir, name);
      if ((await fsp.stat(p).catch(() => undefined))?.isFile()) found.push(p);
    }
    if (found.length > 1) {
      throw new UserError(`found ${found.map((f) => basename(f)).join(' and ')} in ${dir}`, {
        exitCode: ExitCode.CONFIG,
        kind: 'config_ambiguous',
        hint: 'keep one of them, or pick one with --config',
      });
    }
    if (found[0]) return { file: found[0], root: dir };
    // A config-less project (built-in defaults) is only ever the one in cwd.
    if (dirname(dir) === dir) return { file: undefined, root: resolve(cwd) };
  }
}

export function displayPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel) ? rel : file;
}
