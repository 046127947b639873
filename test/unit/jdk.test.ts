import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseJdk, selectJdk, type JdkInstall } from '../../src/jdk/choose.js';
import { cantonJavaOpts } from '../../src/jdk/options.js';
import { discoverJdks } from '../../src/jdk/discover.js';
import { compareJavaVersions, parseJavaVersionOutput, parseReleaseFile } from '../../src/jdk/version.js';
import { PrerequisiteError } from '../../src/errors.js';
import { createProcessRunner } from '../../src/system/process.js';
import { makeFakeJdk, REAL_JDK_OUTPUTS, type FakeJdkMajor } from '../support/fake-jdk.js';

const runner = createProcessRunner();
let dir: string;
let jvm: string;
const home = (m: string) => join(jvm, `jdk-${m}`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cmpc-jdk-'));
  jvm = join(dir, 'jvm');
  for (const m of ['1.8', '11', '17', '21', '25'] as FakeJdkMajor[]) makeFakeJdk(home(m), m);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Discovery confined to the given fake roots and env: nothing from this machine leaks in. */
function discoverIn(roots: string[], env: NodeJS.ProcessEnv = {}) {
  return () => discoverJdks({ env: { PATH: '', ...env }, runner, roots: roots.map((d) => ({ dir: d, label: '/usr/lib/jvm' })), findRuntimes: null });
}

function onlyRoot(...majors: FakeJdkMajor[]): string {
  const root = mkdtempSync(join(dir, 'root-'));
  for (const m of majors) symlinkSync(home(m), join(root, `jdk-${m}`));
  return root;
}

async function failure(p: Promise<unknown>): Promise<PrerequisiteError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PrerequisiteError);
  return e as PrerequisiteError;
}

describe('java -version and release parsing (real-world outputs)', () => {
  it.each([
    ['1.8', '1.8.0_412', 8],
    ['17', '17.0.15', 17],
    ['21', '21.0.5', 21],
    ['25', '25.0.1', 25],
  ] as const)('Java %s', (key, version, major) => {
    const out = REAL_JDK_OUTPUTS[key];
    expect(parseJavaVersionOutput(out.stderr)).toEqual({ version, major });
    expect(parseReleaseFile(out.release)).toEqual({ version, major });
  });

  it.each([
    ['openjdk version "25" 2025-09-16', { version: '25', major: 25 }],
    ['java version "21.0.2" 2024-01-16 LTS', { version: '21.0.2', major: 21 }],
    ['Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "22-ea" 2024-03-19', { version: '22-ea', major: 22 }],
    ['bash: java: command not found', undefined],
  ])('%j', (text, expected) => {
    expect(parseJavaVersionOutput(text)).toEqual(expected);
  });

  it.each([
    ['21.0.5', '21.0.3', 1],
    ['21.0.3', '21.0.5', -1],
    ['1.8.0_412', '1.8.0_402', 1],
    ['25', '25.0.1', -1],
    ['17.0.15', '17.0.15', 0],
  ])('compare %s vs %s', (a, b, sign) => {
    expect(Math.sign(compareJavaVersions(a, b))).toBe(sign);
  });
});

describe('discoverJdks over fake installations', () => {
  it('finds every JDK under a root with its version from java -version, one entry per real directory', async () => {
    const root = onlyRoot('1.8', '17', '21', '25');
    symlinkSync(home('21'), join(root, 'java-21-alias'));
    const found = await discoverIn([root])();
    expect(found.map((j) => [j.major, j.version]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [8, '1.8.0_412'],
      [17, '17.0.15'],
      [21, '21.0.5'],
      [25, '25.0.1'],
    ]);
    expect(new Set(found.map((j) => j.source))).toEqual(new Set(['/usr/lib/jvm']));
  });

  it('names JAVA_HOME and PATH as sources before the roots', async () => {
    const root = onlyRoot('17', '25');
    const found = await discoverIn([root], { JAVA_HOME: home('25'), PATH: join(home('17'), 'bin') })();
    expect(found.find((j) => j.major === 25)?.source).toBe('JAVA_HOME');
    expect(found.find((j) => j.major === 17)?.source).toBe('PATH');
    expect(found).toHaveLength(2);
  });

  it('prefers what java -version says over a stale release file, and falls back to the release file when java cannot run', async () => {
    const lying = join(dir, 'lying');
    makeFakeJdk(lying, '21');
    writeFileSync(join(lying, 'release'), REAL_JDK_OUTPUTS['17'].release);
    const broken = join(dir, 'broken');
    makeFakeJdk(broken, '25');
    writeFileSync(join(broken, 'bin', 'java'), '#!/bin/sh\necho "Error: could not create the Java VM" >&2\nexit 1\n');
    const notJdk = join(dir, 'not-a-jdk');
    mkdirSync(join(notJdk, 'bin'), { recursive: true });
    const root = mkdtempSync(join(dir, 'root-'));
    for (const [n, t] of [['lying', lying], ['broken', broken], ['not', notJdk]]) symlinkSync(t!, join(root, n!));
    const found = await discoverIn([root])();
    expect(found.find((j) => j.home === lying)?.version).toBe('21.0.5');
    expect(found.find((j) => j.home === broken)?.version).toBe('25.0.1');
    expect(found.some((j) => j.home === notJdk)).toBe(false);
  });

  it('a java without execute permission is not a JDK', async () => {
    const noexec = join(dir, 'noexec');
    makeFakeJdk(noexec, '21');
    chmodSync(join(noexec, 'bin', 'java'), 0o644);
    const root = mkdtempSync(join(dir, 'root-'));
    symlinkSync(noexec, join(root, 'x'));
    expect(await discoverIn([root])()).toEqual([]);
  });
});

describe('chooseJdk: every branch', () => {
  const all = () => onlyRoot('1.8', '11', '17', '21', '25');

  it('--java-home 21: chosen, no note', async () => {
    const r = await chooseJdk({ javaHome: home('21'), env: {}, runner, discover: discoverIn([onlyRoot('17')]) });
    expect(r.chosen).toMatchObject({ home: home('21'), major: 21, version: '21.0.5', source: '--java-home' });
    expect(r.note).toBeUndefined();
  });

  it('--java-home 25: chosen with the untested note', async () => {
    const r = await chooseJdk({ javaHome: home('25'), env: {}, runner, discover: discoverIn([all()]) });
    expect(r.chosen.major).toBe(25);
    expect(r.note).toMatch(/Java 25 .* Canton has not been tested on it/);
  });

  // Issue 14 item 3: 17–20 run Canton 3.4 (compiled --release 17) but are untested: accepted, with a warning naming both facts.
  it('--java-home 17: accepted with a warning naming --release 17 and the releases tested on 21', async () => {
    const r = await chooseJdk({ javaHome: home('17'), env: {}, runner, discover: discoverIn([all()]) });
    expect(r.chosen).toMatchObject({ home: home('17'), major: 17, source: '--java-home' });
    expect(r.warning).toMatch(/Java 17 \(17\.0\.15\).*compiled for Java 17 \(--release 17\).*tested on Java 21 only/);
    expect(r.note).toBeUndefined();
  });

  it('--java-home 11: refused, naming 11, 17 and the class-file versions, even when a 21 exists', async () => {
    const e = await failure(chooseJdk({ javaHome: home('11'), env: {}, runner, discover: discoverIn([all()]) }));
    expect(e.message).toBe(
      `--java-home ${home('11')} is Java 11 (11.0.27); Canton 3.4 needs Java 17 or newer (its classes are class-file version 61; this JVM reads up to 55 and would fail with UnsupportedClassVersionError)`,
    );
    expect(e.exitCode).toBe(4);
    expect(e.hint).toContain(home('21'));
  });

  it('--java-home 1.8: refused, naming 8 and 17', async () => {
    const e = await failure(chooseJdk({ javaHome: home('1.8'), env: {}, runner, discover: discoverIn([]) }));
    expect(e.message).toContain('Java 8 (1.8.0_412)');
    expect(e.message).toContain('Java 17 or newer');
    expect(e.hint).toContain('apt-get install openjdk-21-jdk-headless');
  });

  it('--java-home that is not a JDK', async () => {
    const e = await failure(chooseJdk({ javaHome: join(dir, 'nowhere'), env: {}, runner, discover: discoverIn([]) }));
    expect(e.kind).toBe('jdk_invalid');
    expect(e.message).toContain('is not a JDK');
  });

  it('--java-home wins over JAVA_HOME', async () => {
    const r = await chooseJdk({ javaHome: home('21'), env: { JAVA_HOME: home('17') }, runner, discover: discoverIn([]) });
    expect(r.chosen.home).toBe(home('21'));
  });

  it('JAVA_HOME 11: refused naming both versions, never silently replaced by the 21 that exists', async () => {
    const e = await failure(chooseJdk({ env: { JAVA_HOME: home('11') }, runner, discover: discoverIn([all()]) }));
    expect(e.message).toMatch(new RegExp(`^JAVA_HOME=${home('11')} is Java 11 \\(11\\.0\\.27\\); Canton 3\\.4 needs Java 17 or newer`));
    expect(e.hint).toContain(home('21'));
    expect(e.hint).toContain('unset JAVA_HOME');
  });

  it('JAVA_HOME 17 is honoured with the warning, never silently replaced by the 21 that exists', async () => {
    const r = await chooseJdk({ env: { JAVA_HOME: home('17') }, runner, discover: discoverIn([all()]) });
    expect(r.chosen).toMatchObject({ home: home('17'), source: 'JAVA_HOME' });
    expect(r.warning).toContain('--release 17');
  });

  it('JAVA_HOME 25 is honoured (with the note) even when a 21 exists', async () => {
    const r = await chooseJdk({ env: { JAVA_HOME: home('25') }, runner, discover: discoverIn([all()]) });
    expect(r.chosen).toMatchObject({ home: home('25'), source: 'JAVA_HOME' });
    expect(r.note).toBeDefined();
  });

  it('nothing explicit: a 21 beats a newer 25', async () => {
    const r = await chooseJdk({ env: {}, runner, discover: discoverIn([all()]) });
    expect(r.chosen).toMatchObject({ home: home('21'), major: 21 });
    expect(r.note).toBeUndefined();
    expect(r.found).toHaveLength(5);
  });

  it('nothing explicit, no 21: the newest ≥ 21 with a note', async () => {
    const r = await chooseJdk({ env: {}, runner, discover: discoverIn([onlyRoot('17', '25')]) });
    expect(r.chosen.major).toBe(25);
    expect(r.note).toContain('has not been tested');
  });

  it('nothing explicit, only a 17 (and an 8): the 17, with the warning', async () => {
    const r = await chooseJdk({ env: {}, runner, discover: discoverIn([onlyRoot('1.8', '17')]) });
    expect(r.chosen.major).toBe(17);
    expect(r.warning).toMatch(/--release 17.*tested on Java 21/);
  });

  it('none fits: a PrerequisiteError listing what was found and how to install 21', async () => {
    const e = await failure(chooseJdk({ env: {}, runner, discover: discoverIn([onlyRoot('1.8', '11')]) }));
    expect(e.kind).toBe('jdk_missing');
    expect(e.message).toContain('Java 8 (1.8.0_412)');
    expect(e.message).toContain('Java 11 (11.0.27)');
    expect(e.message).toContain('needs Java 17 or newer');
    for (const s of ['apt-get install openjdk-21-jdk-headless', 'brew install openjdk@21', 'JAVA_HOME=/opt/homebrew/opt/openjdk@21', 'sdk install java 21.0.5-tem']) {
      expect(e.hint).toContain(s);
    }
    expect((e.data?.found as JdkInstall[]).map((j) => j.major).sort((a, b) => a - b)).toEqual([8, 11]);
  });

  it('nothing at all found', async () => {
    const e = await failure(chooseJdk({ env: {}, runner, discover: discoverIn([]) }));
    expect(e.message).toContain('(none)');
  });
});

describe('selectJdk (pure)', () => {
  const j = (version: string, major: number, h = `/j/${version}`): JdkInstall => ({ home: h, version, major, source: 'test' });
  it.each([
    ['newest 21.x among several 21s', [j('21.0.3', 21), j('21.0.5', 21), j('25.0.1', 25)], '21.0.5', false],
    ['newest major above 21', [j('22.0.1', 22), j('25.0.1', 25), j('17.0.1', 17)], '25.0.1', true],
    ['newest patch of the newest major', [j('25.0.1', 25), j('25.0.3', 25)], '25.0.3', true],
    ['no 21 and nothing newer: the newest 17–20', [j('17.0.9', 17), j('19.0.2', 19), j('11.0.2', 11)], '19.0.2', false],
  ])('%s', (_name, found, version, hasNote) => {
    const r = selectJdk(found);
    expect(r.chosen.version).toBe(version);
    expect(r.note !== undefined).toBe(hasNote);
    expect(r.warning !== undefined).toBe(r.chosen.major < 21);
  });
});

describe('cantonJavaOpts (pure): -Duser.language=en unless the user picks a language', () => {
  it.each([
    ['nothing from the user', {}, '-Xmx2g -Duser.language=en'],
    ['a user JAVA_OPTS is kept after ours', { JAVA_OPTS: '-XX:+UseG1GC -Xmx3g' }, '-Xmx2g -Duser.language=en -XX:+UseG1GC -Xmx3g'],
    ['JAVA_OPTS sets a language', { JAVA_OPTS: '-Duser.language=de' }, '-Xmx2g -Duser.language=de'],
    ['JAVA_TOOL_OPTIONS sets a language', { JAVA_TOOL_OPTIONS: '-Dfile.encoding=UTF-8 -Duser.language=tr' }, '-Xmx2g'],
    ['JDK_JAVA_OPTIONS sets a language', { JDK_JAVA_OPTIONS: '-Duser.language=fr' }, '-Xmx2g'],
    ['a country alone is not a language', { JAVA_OPTS: '-Duser.country=TR' }, '-Xmx2g -Duser.language=en -Duser.country=TR'],
  ])('%s', (_n, env, want) => {
    expect(cantonJavaOpts('2g', env)).toBe(want);
  });
});
