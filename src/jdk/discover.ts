import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { ProcessRunner } from '../system/process.js';
import { isExecutableFile } from '../system/fs.js';
import type { JdkInstall } from './choose.js';
import { parseJavaVersionOutput, parseReleaseFile, type ParsedJavaVersion } from './version.js';

/**
 * Finding JDKs: the environment (JAVA_HOME, JDK_HOME, PATH), the usual install roots, and
 * jdk-utils for the version managers it knows (jabba, asdf, mise, Gradle, JBang …). Every candidate
 * is verified by running its own `bin/java -version`: the `release` file and jdk-utils can be
 * stale or wrong (a JDK upgraded in place, a copied tree); the release file is only the fallback.
 */
export const JAVA_VERSION_TIMEOUT_MS = 15_000;

/** A parent directory whose children are JDK homes (with an optional path inside each child). */
export interface JdkRoot {
  dir: string;
  label: string;
  /** e.g. `Contents/Home` for macOS bundles. */
  inner?: string;
  /** Only children whose name matches (Homebrew's opt/ holds every formula). */
  match?: RegExp;
}

export function defaultJdkRoots(env: NodeJS.ProcessEnv): JdkRoot[] {
  const home = env.HOME || homedir();
  const sdkman = env.SDKMAN_DIR || join(home, '.sdkman');
  const openjdk = /^openjdk(@\d+)?$/;
  return [
    { dir: join(sdkman, 'candidates', 'java'), label: 'SDKMAN', match: /^(?!current$)/ },
    { dir: '/usr/lib/jvm', label: '/usr/lib/jvm' },
    { dir: '/usr/java', label: '/usr/java' },
    { dir: '/opt/java', label: '/opt/java' },
    { dir: '/opt/homebrew/opt', label: 'Homebrew', inner: 'libexec/openjdk.jdk/Contents/Home', match: openjdk },
    { dir: '/usr/local/opt', label: 'Homebrew', inner: 'libexec/openjdk.jdk/Contents/Home', match: openjdk },
    { dir: '/home/linuxbrew/.linuxbrew/opt', label: 'Homebrew', inner: 'libexec', match: openjdk },
    { dir: '/Library/Java/JavaVirtualMachines', label: 'JavaVirtualMachines', inner: 'Contents/Home' },
    { dir: join(home, 'Library/Java/JavaVirtualMachines'), label: 'JavaVirtualMachines', inner: 'Contents/Home' },
  ];
}

type FindRuntimes = (opts: { withVersion?: boolean; withTags?: boolean; checkJavac?: boolean }) => Promise<
  { homedir: string; version?: { java_version: string; major: number }; isFromSDKMAN?: boolean; isFromJabba?: boolean; isFromASDF?: boolean; isFromMise?: boolean; isFromGradle?: boolean; isFromJBang?: boolean; isFromJENV?: boolean }[]
>;

export interface DiscoverOptions {
  env: NodeJS.ProcessEnv;
  runner: ProcessRunner;
  /** Parents of JDK homes to scan; default `defaultJdkRoots(env)`. */
  roots?: JdkRoot[];
  /**
   * jdk-utils' `findRuntimes` (it reads process.env itself, so tests with their own env pass
   * `null`); default: loaded on demand.
   */
  findRuntimes?: FindRuntimes | null;
  /** Diagnostics about candidates that were skipped. */
  debug?: (message: string) => void;
}


async function realHome(home: string): Promise<string | undefined> {
  try {
    return await fsp.realpath(home);
  } catch {
    return undefined;
  }
}

async function childDirs(root: JdkRoot): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(root.dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.') && (!root.match || root.match.test(n)))
    .sort()
    .map((n) => (root.inner ? join(root.dir, n, root.inner) : join(root.dir, n)));
}

/** `bin/java -version`, then the `release` file: undefined when neither names a version. */
export async function inspectJdkHome(home: string, runner: ProcessRunner, debug?: (m: string) => void): Promise<ParsedJavaVersion | undefined> {
  const java = join(home, 'bin', 'java');
  if (!(await isExecutableFile(java))) return undefined;
  try {
    const r = await runner.run(java, ['-version'], { timeoutMs: JAVA_VERSION_TIMEOUT_MS });
    const v = parseJavaVersionOutput(`${r.stderr}\n${r.stdout}`);
    if (r.exitCode === 0 && v) return v;
    debug?.(`${java} -version exited ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}; reading ${home}/release instead`);
  } catch (e) {
    debug?.(`${java} -version failed: ${(e as Error).message}`);
  }
  try {
    return parseReleaseFile(await fsp.readFile(join(home, 'release'), 'utf8'));
  } catch {
    return undefined;
  }
}

function jdkUtilsSource(r: Awaited<ReturnType<FindRuntimes>>[number]): string {
  if (r.isFromSDKMAN) return 'SDKMAN';
  if (r.isFromJabba) return 'jabba';
  if (r.isFromASDF) return 'asdf';
  if (r.isFromMise) return 'mise';
  if (r.isFromGradle) return 'Gradle';
  if (r.isFromJBang) return 'JBang';
  if (r.isFromJENV) return 'jEnv';
  return 'jdk-utils';
}

export async function discoverJdks(opts: DiscoverOptions): Promise<JdkInstall[]> {
  const { env } = opts;
  const candidates: { home: string; source: string }[] = [];
  if (env.JAVA_HOME) candidates.push({ home: env.JAVA_HOME, source: 'JAVA_HOME' });
  if (env.JDK_HOME) candidates.push({ home: env.JDK_HOME, source: 'JDK_HOME' });
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const java = join(dir, 'java');
    if (!(await isExecutableFile(java))) continue;
    // /usr/bin/java → /etc/alternatives/java → /usr/lib/jvm/<jdk>/bin/java
    const real = await realHome(java);
    if (real) candidates.push({ home: dirname(dirname(real)), source: 'PATH' });
  }
  for (const root of opts.roots ?? defaultJdkRoots(env)) {
    for (const home of await childDirs(root)) candidates.push({ home, source: root.label });
  }
  if (opts.findRuntimes !== null) {
    try {
      const find = opts.findRuntimes ?? ((await import('jdk-utils')).findRuntimes as FindRuntimes);
      for (const r of await find({ withVersion: true, withTags: true })) candidates.push({ home: r.homedir, source: jdkUtilsSource(r) });
    } catch (e) {
      opts.debug?.(`jdk-utils failed: ${(e as Error).message}`);
    }
  }

  // One entry per real directory, named by the first (most specific) way we found it.
  const byReal = new Map<string, { home: string; source: string }>();
  for (const c of candidates) {
    const real = await realHome(c.home);
    if (real && !byReal.has(real)) byReal.set(real, { home: real, source: c.source });
  }
  const inspected = await Promise.all(
    [...byReal.values()].map(async (c) => {
      const v = await inspectJdkHome(c.home, opts.runner, opts.debug);
      if (!v) opts.debug?.(`${c.home} (${c.source}) is not a usable JDK: no runnable bin/java with a version`);
      return v ? { home: c.home, version: v.version, major: v.major, source: c.source } : undefined;
    }),
  );
  return inspected.filter((x): x is JdkInstall => x !== undefined);
}
