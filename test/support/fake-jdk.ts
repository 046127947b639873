import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `java -version` output (stderr) and `release` file of real JDK builds, by major version. */
export const REAL_JDK_OUTPUTS = {
  '1.8': {
    version: '1.8.0_412',
    stderr: [
      'openjdk version "1.8.0_412"',
      'OpenJDK Runtime Environment (Temurin)(build 1.8.0_412-b08)',
      'OpenJDK 64-Bit Server VM (Temurin)(build 25.412-b08, mixed mode)',
    ].join('\n'),
    release: 'JAVA_VERSION="1.8.0_412"\nIMPLEMENTOR="Eclipse Adoptium"\nOS_NAME="Linux"\nOS_ARCH="amd64"\n',
  },
  '11': {
    version: '11.0.27',
    stderr: [
      'openjdk version "11.0.27" 2025-04-15',
      'OpenJDK Runtime Environment Temurin-11.0.27+6 (build 11.0.27+6)',
      'OpenJDK 64-Bit Server VM Temurin-11.0.27+6 (build 11.0.27+6, mixed mode)',
    ].join('\n'),
    release: 'IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="11.0.27"\nJAVA_VERSION_DATE="2025-04-15"\nOS_NAME="Linux"\nOS_ARCH="x86_64"\n',
  },
  '17': {
    version: '17.0.15',
    stderr: [
      'openjdk version "17.0.15" 2025-04-15',
      'OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)',
      'OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)',
    ].join('\n'),
    release: 'JAVA_VERSION="17.0.15"\nJAVA_VERSION_DATE="2025-04-15"\nIMPLEMENTOR="Debian"\nOS_NAME="Linux"\nOS_ARCH="amd64"\n',
  },
  '21': {
    version: '21.0.5',
    stderr: [
      'openjdk version "21.0.5" 2024-10-15 LTS',
      'OpenJDK Runtime Environment Temurin-21.0.5+11 (build 21.0.5+11-LTS)',
      'OpenJDK 64-Bit Server VM Temurin-21.0.5+11 (build 21.0.5+11-LTS, mixed mode, sharing)',
    ].join('\n'),
    release: 'IMPLEMENTOR="Eclipse Adoptium"\nIMPLEMENTOR_VERSION="Temurin-21.0.5+11"\nJAVA_VERSION="21.0.5"\nJAVA_VERSION_DATE="2024-10-15"\nOS_NAME="Linux"\nOS_ARCH="x86_64"\n',
  },
  '25': {
    version: '25.0.1',
    stderr: [
      'openjdk version "25.0.1" 2025-10-21 LTS',
      'OpenJDK Runtime Environment Temurin-25.0.1+8 (build 25.0.1+8-LTS)',
      'OpenJDK 64-Bit Server VM Temurin-25.0.1+8 (build 25.0.1+8-LTS, mixed mode, sharing)',
    ].join('\n'),
    release: 'IMPLEMENTOR="Eclipse Adoptium"\nIMPLEMENTOR_VERSION="Temurin-25.0.1+8"\nJAVA_VERSION="25.0.1"\nJAVA_VERSION_DATE="2025-10-21"\nOS_NAME="Linux"\nOS_ARCH="x86_64"\n',
  },
} as const;

export type FakeJdkMajor = keyof typeof REAL_JDK_OUTPUTS;

/**
 * Lay out a fake JDK home at `home`: `bin/java` prints the real-world `-version` text on stderr
 * (as java does) and, for anything else, runs nothing and exits 0; `release` is the JDK's own file.
 */
export function makeFakeJdk(home: string, major: FakeJdkMajor): string {
  const out = REAL_JDK_OUTPUTS[major];
  mkdirSync(join(home, 'bin'), { recursive: true });
  const script = [
    '#!/bin/sh',
    'for a in "$@"; do',
    '  case "$a" in',
    '    -version|--version|-fullversion)',
    `      cat >&2 <<'JAVA_VERSION_EOF'`,
    out.stderr,
    'JAVA_VERSION_EOF',
    '      exit 0;;',
    '  esac',
    'done',
    'exit 0',
    '',
  ].join('\n');
  writeFileSync(join(home, 'bin', 'java'), script);
  chmodSync(join(home, 'bin', 'java'), 0o755);
  writeFileSync(join(home, 'bin', 'javac'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(home, 'bin', 'javac'), 0o755);
  writeFileSync(join(home, 'release'), out.release);
  return home;
}
