// Issue 14 item 3: `up` on a JDK 17 runs Canton (its Java code is compiled --release 17) with a warning
// naming both facts, and starts the JVM with -Duser.language=en unless the user's options set one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFakeJdk } from '../support/fake-jdk.js';
import { makeProject, type CliProject } from '../support/cli.js';

const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

describe('up on a JDK 17', () => {
  it('warns, runs, and passes -Duser.language=en to the JVM', async () => {
    const p = await makeProject();
    projects.push(p);
    const jdk17 = makeFakeJdk(join(p.dir, 'jdk-17'), '17');
    const argvLog = join(p.dir, 'argv.json');
    const up = await p.run(['up', '--timeout', '60s'], { env: { JAVA_HOME: jdk17, CANTON_EMULATOR_ARGV_LOG: argvLog } });
    expect(up.exitCode, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/Java 17 \(17\.0\.15\).*compiled for Java 17 \(--release 17\).*tested on Java 21 only/s);
    const rec = JSON.parse(readFileSync(argvLog, 'utf8')) as { jvmProps: string[] };
    expect(rec.jvmProps).toContain('user.language');
  });

  it('a language in the user JAVA_OPTS is left alone', async () => {
    const p = await makeProject();
    projects.push(p);
    const argvLog = join(p.dir, 'argv.json');
    const up = await p.run(['up', '--timeout', '60s'], { env: { JAVA_OPTS: '-Duser.language=de', CANTON_EMULATOR_ARGV_LOG: argvLog } });
    expect(up.exitCode, up.stderr).toBe(0);
    const rec = JSON.parse(readFileSync(argvLog, 'utf8')) as { jvmProps: string[] };
    expect(rec.jvmProps.filter((x) => x === 'user.language')).toHaveLength(1);
  });
});
