import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// .ci/setup.sh's JDK choice (.ci/install-jdk.sh), run against `apt-cache policy` output as the
// distributions print it.
const SCRIPT = resolve(import.meta.dirname, '../../.ci/install-jdk.sh');

// Ubuntu 24.04 (noble): both packages have candidates, none installed.
const UBUNTU_2404 = `openjdk-21-jdk-headless:
  Installed: (none)
  Candidate: 21.0.8+9~us1-0ubuntu1~24.04.1
  Version table:
     21.0.8+9~us1-0ubuntu1~24.04.1 500
        500 http://archive.ubuntu.com/ubuntu noble-updates/main amd64 Packages
     21.0.2+13-2 500
        500 http://archive.ubuntu.com/ubuntu noble/main amd64 Packages
openjdk-17-jdk-headless:
  Installed: (none)
  Candidate: 17.0.16+8~us1-0ubuntu1~24.04.1
  Version table:
     17.0.16+8~us1-0ubuntu1~24.04.1 500
        500 http://archive.ubuntu.com/ubuntu noble-updates/main amd64 Packages
`;
// Debian 12 (bookworm), as printed on this machine after apt-get update: apt knows no openjdk-21 at
// all, so it is absent from the output.
const DEBIAN_12 = `openjdk-17-jdk-headless:
  Installed: (none)
  Candidate: 17.0.21.1+2-1~deb12u1
  Version table:
     17.0.21.1+2-1~deb12u1 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
     17.0.19+10-1~deb12u2 500
        500 http://deb.debian.org/debian bookworm/main amd64 Packages
`;
// A package known only from dpkg's status, with no archive offering it: "Candidate: (none)".
const NO_CANDIDATE_21 = `openjdk-21-jdk-headless:
  Installed: (none)
  Candidate: (none)
  Version table:
${DEBIAN_12}`;

async function choose(major: number, policy: string) {
  return execa('bash', [SCRIPT, '--choose', String(major)], { input: policy, reject: false });
}

describe('install-jdk.sh --choose', () => {
  it.each([
    ['Ubuntu 24.04, no JDK: 21', 0, UBUNTU_2404, 'openjdk-21-jdk-headless'],
    ['Ubuntu 24.04, only a JDK 17: 21 anyway', 17, UBUNTU_2404, 'openjdk-21-jdk-headless'],
    ['Debian 12, no JDK: 17', 0, DEBIAN_12, 'openjdk-17-jdk-headless'],
    ['Debian 12, a JDK 11: 17', 11, DEBIAN_12, 'openjdk-17-jdk-headless'],
    ['Debian 12, JDK 17 installed: nothing to install', 17, DEBIAN_12, 'none'],
    ['21 listed without a candidate counts as absent', 0, NO_CANDIDATE_21, 'openjdk-17-jdk-headless'],
    ['a JDK 21 present: nothing, whatever apt has', 21, UBUNTU_2404, 'none'],
    ['a JDK 25 present: nothing', 25, '', 'none'],
  ])('%s', async (_n, major, policy, expected) => {
    const r = await choose(major, policy);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(expected);
  });
  it('no JDK and neither package: exit 1', async () => {
    expect((await choose(0, '')).exitCode).toBe(1);
  });
});

describe('install-jdk.sh --installed-major', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmpc-jdks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A PATH with the tools the script needs but no java.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['bash', 'sed', 'awk', 'grep', 'head', 'dirname', 'readlink', 'cat']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  const jdk = (name: string, release: string | undefined) => {
    const home = join(dir, 'jvm', name);
    mkdirSync(join(home, 'bin'), { recursive: true });
    writeFileSync(join(home, 'bin', 'java'), '#!/bin/sh\necho \'openjdk version "11.0.2"\' >&2\n');
    chmodSync(join(home, 'bin', 'java'), 0o755);
    if (release !== undefined) writeFileSync(join(home, 'release'), release);
  };
  {
    const home = join(dir, 'jvm21', 'java-21-openjdk-amd64');
    mkdirSync(join(home, 'bin'), { recursive: true });
    writeFileSync(join(home, 'bin', 'java'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(home, 'bin', 'java'), 0o755);
    writeFileSync(join(home, 'release'), 'JAVA_VERSION="21.0.8"\n');
  }
  const run = () => execa(join(bin, 'bash'), [SCRIPT, '--installed-major'], { env: { PATH: bin, JDK_SEARCH_DIRS: join(dir, 'jvm') }, extendEnv: false, reject: false });

  it('the whole run with fake apt tools: updates the empty lists, installs 17 on Debian 12 and says so; nothing when a 21 is there', async () => {
    const fake = join(dir, 'fake-apt');
    mkdirSync(fake, { recursive: true });
    const log = join(dir, 'apt.log');
    writeFileSync(join(dir, 'policy.txt'), DEBIAN_12);
    const script = (name: string, body: string) => {
      writeFileSync(join(fake, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(fake, name), 0o755);
    };
    script('apt-cache', `echo "apt-cache $*" >> ${log}; cat ${join(dir, 'policy.txt')}`);
    script('apt-get', `echo "apt-get $*" >> ${log}`);
    script('id', 'echo 0');
    const env = { PATH: `${fake}:${bin}`, JDK_SEARCH_DIRS: join(dir, 'none'), APT_LISTS_DIR: join(dir, 'lists') };
    const r = await execa(join(bin, 'bash'), [SCRIPT], { env, extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('installed JDK 17 (openjdk-17-jdk-headless): this distribution has no openjdk-21-jdk-headless');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'apt-get update -qq',
      'apt-cache policy openjdk-21-jdk-headless openjdk-17-jdk-headless',
      'apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless',
    ]);
    writeFileSync(log, '');
    const with21 = await execa(join(bin, 'bash'), [SCRIPT], { env: { ...env, JDK_SEARCH_DIRS: join(dir, 'jvm21') }, extendEnv: false, reject: false });
    expect(with21.exitCode).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('');
  });

  it('none: 0; then the newest of the release files (or java -version) wins', async () => {
    expect((await run()).stdout.trim()).toBe('0');
    jdk('legacy', undefined);
    expect((await run()).stdout.trim()).toBe('11');
    jdk('java-17-openjdk-amd64', 'IMPLEMENTOR="Debian"\nJAVA_VERSION="17.0.15"\n');
    expect((await run()).stdout.trim()).toBe('17');
    jdk('temurin-25-jdk-amd64', 'JAVA_VERSION="25.0.3"\n');
    expect((await run()).stdout.trim()).toBe('25');
  });
});
