import { resolve } from 'node:path';
import { PrerequisiteError } from '../errors.js';
import type { ProcessRunner } from '../system/process.js';
import { discoverJdks, inspectJdkHome } from './discover.js';
import { compareJavaVersions } from './version.js';

export interface JdkInstall {
  home: string;
  version: string;
  major: number;
  /** JAVA_HOME, PATH, /usr/lib/jvm, SDKMAN, Homebrew, --java-home … */
  source: string;
}

/** Canton 3.4 is built and tested on Java 21 (release notes; every 3.4.x release reports OpenJDK 21.0.5). */
export const CANTON_JAVA_MAJOR = 21;
/**
 * The oldest Java that can run it: Canton 3.4's Java code is compiled `--release 17`
 * (project/BuildCommon.scala:83, class-file version 61), and `bin/canton` checks no version. A JRE 16
 * or older fails at start-up with `UnsupportedClassVersionError` (class file version 61.0); a 3.4.11
 * release has been reported running on a Temurin 17 JRE (FACTS §6).
 */
export const CANTON_MIN_JAVA_MAJOR = 17;
/** Class-file major version of a Java release: 61 for 17, 65 for 21. */
export const classFileVersion = (javaMajor: number): number => javaMajor + 44;

export const INSTALL_JDK_HINT = [
  'Install a JDK 21:',
  '  Debian/Ubuntu: sudo apt-get install openjdk-21-jdk-headless   (or Eclipse Temurin 21 from https://adoptium.net)',
  '  macOS:         brew install openjdk@21',
  '                 export JAVA_HOME=/opt/homebrew/opt/openjdk@21/libexec/openjdk.jdk/Contents/Home',
  '  SDKMAN:        sdk install java 21.0.5-tem',
  'then pass --java-home <dir> or set JAVA_HOME.',
].join('\n');

export function describeJdk(j: JdkInstall): string {
  return `Java ${j.major} (${j.version}) at ${j.home} [${j.source}]`;
}

function foundList(found: JdkInstall[]): string {
  return found.length ? found.map((j) => `  - ${describeJdk(j)}`).join('\n') : '  (none)';
}

export function untestedNote(j: JdkInstall): string | undefined {
  if (j.major <= CANTON_JAVA_MAJOR) return undefined;
  return `Java ${j.major} (${j.version}) is newer than Java ${CANTON_JAVA_MAJOR}, the version Canton 3.4 is built and tested on; Canton has not been tested on it. Install a JDK ${CANTON_JAVA_MAJOR} to run what the release was tested with.`;
}

/** Java 17–20: runs (the code is compiled for 17) but is not what the releases are tested on. */
export function olderJdkWarning(j: JdkInstall): string | undefined {
  if (j.major >= CANTON_JAVA_MAJOR || j.major < CANTON_MIN_JAVA_MAJOR) return undefined;
  return `using Java ${j.major} (${j.version}) at ${j.home}: Canton 3.4's Java code is compiled for Java ${CANTON_MIN_JAVA_MAJOR} (--release ${CANTON_MIN_JAVA_MAJOR}), so it runs, but Canton 3.4 releases are tested on Java ${CANTON_JAVA_MAJOR} only. Install a JDK ${CANTON_JAVA_MAJOR} to run what the release was tested with.`;
}

export interface JdkChoice {
  chosen: JdkInstall;
  /** Informational (a JDK newer than 21). */
  note?: string;
  /** Shown as a warning: a JDK 17–20. */
  warning?: string;
  found: JdkInstall[];
}

const withNotes = (chosen: JdkInstall): { chosen: JdkInstall; note?: string; warning?: string } => {
  const note = untestedNote(chosen);
  const warning = olderJdkWarning(chosen);
  return { chosen, ...(note ? { note } : {}), ...(warning ? { warning } : {}) };
};

/**
 * Pure selection among discovered JDKs (no explicit choice): a 21 (the newest 21.x), else the
 * newest > 21 with a note, else the newest 17–20 with a warning, else a PrerequisiteError listing
 * what exists and how to get 21.
 */
export function selectJdk(found: JdkInstall[]): { chosen: JdkInstall; note?: string; warning?: string } {
  const newestFirst = (a: JdkInstall, b: JdkInstall) => b.major - a.major || compareJavaVersions(b.version, a.version);
  const tested = found.filter((j) => j.major === CANTON_JAVA_MAJOR).sort(newestFirst);
  if (tested[0]) return { chosen: tested[0] };
  const newer = found.filter((j) => j.major > CANTON_JAVA_MAJOR).sort(newestFirst);
  if (newer[0]) return withNotes(newer[0]);
  const older = found.filter((j) => j.major >= CANTON_MIN_JAVA_MAJOR).sort(newestFirst);
  if (older[0]) return withNotes(older[0]);
  throw new PrerequisiteError(`no JDK ${CANTON_MIN_JAVA_MAJOR} or newer found (Canton 3.4 needs Java ${CANTON_MIN_JAVA_MAJOR} or newer, and is tested on ${CANTON_JAVA_MAJOR}). Found:\n${foundList(found)}`, {
    kind: 'jdk_missing',
    where: 'JAVA_HOME, PATH, /usr/lib/jvm, SDKMAN, Homebrew',
    hint: INSTALL_JDK_HINT,
    data: { found },
  });
}

/**
 * An explicit choice (--java-home, or JAVA_HOME) is honoured or refused, never silently replaced:
 * someone who set it meant that JDK.
 */
export function checkExplicitJdk(
  flag: '--java-home' | 'JAVA_HOME',
  home: string,
  inspected: { version: string; major: number } | undefined,
  found: JdkInstall[],
): { chosen: JdkInstall; note?: string; warning?: string } {
  const label = flag === 'JAVA_HOME' ? `JAVA_HOME=${home}` : `--java-home ${home}`;
  const alternatives = found.filter((j) => j.major >= CANTON_MIN_JAVA_MAJOR && j.home !== home).sort((a, b) => Number(b.major === CANTON_JAVA_MAJOR) - Number(a.major === CANTON_JAVA_MAJOR));
  const tryInstead = alternatives.length
    ? `Use one that fits instead: ${alternatives.map((j) => `${j.home} (Java ${j.major})`).join(', ')}${flag === 'JAVA_HOME' ? ', or unset JAVA_HOME to let canton-mpc choose' : ''}.`
    : INSTALL_JDK_HINT;
  if (!inspected) {
    throw new PrerequisiteError(`${label} is not a JDK: no runnable bin/java reporting a version`, {
      kind: 'jdk_invalid',
      where: flag,
      hint: `Point ${flag} at a JDK's home directory (the one containing bin/java). ${tryInstead}`,
      data: { home, found },
    });
  }
  const chosen: JdkInstall = { home, version: inspected.version, major: inspected.major, source: flag };
  if (inspected.major < CANTON_MIN_JAVA_MAJOR) {
    throw new PrerequisiteError(
      `${label} is Java ${inspected.major} (${inspected.version}); Canton 3.4 needs Java ${CANTON_MIN_JAVA_MAJOR} or newer (its classes are class-file version ${classFileVersion(CANTON_MIN_JAVA_MAJOR)}; this JVM reads up to ${classFileVersion(inspected.major)} and would fail with UnsupportedClassVersionError)`,
      {
        kind: 'jdk_too_old',
        where: flag,
        hint: tryInstead,
        data: { home, version: inspected.version, major: inspected.major, required: CANTON_MIN_JAVA_MAJOR, tested: CANTON_JAVA_MAJOR, found },
      },
    );
  }
  return withNotes(chosen);
}

export async function chooseJdk(opts: {
  javaHome?: string;
  env: NodeJS.ProcessEnv;
  runner: ProcessRunner;
  discover?: () => Promise<JdkInstall[]>;
}): Promise<JdkChoice> {
  const discover = opts.discover ?? (() => discoverJdks({ env: opts.env, runner: opts.runner }));
  const found = await discover();
  const explicit: ['--java-home' | 'JAVA_HOME', string] | undefined = opts.javaHome
    ? ['--java-home', resolve(opts.javaHome)]
    : opts.env.JAVA_HOME
      ? ['JAVA_HOME', resolve(opts.env.JAVA_HOME)]
      : undefined;
  if (explicit) {
    const [flag, home] = explicit;
    const known = found.find((j) => j.home === home);
    const inspected = known ?? (await inspectJdkHome(home, opts.runner));
    return { ...checkExplicitJdk(flag, home, inspected, found), found };
  }
  return { ...selectJdk(found), found };
}
