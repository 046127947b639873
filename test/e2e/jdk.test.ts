import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFakeJdk } from '../support/fake-jdk.js';
import { freePortBase, topologyOffsets } from '../support/ports.js';

/** This machine image (and CI, which runs on it) has OpenJDK 17 on PATH and a Temurin 25, no 21. */
const JDK17 = '/usr/lib/jvm/java-17-openjdk-amd64';
const JDK25 = '/usr/lib/jvm/temurin-25-jdk-amd64';
const CLI = resolve(import.meta.dirname, '../../bin/canton-mpc.js');

let work: string;

interface Check {
  id: string;
  status: string;
  detail: string;
  fix?: string;
  data?: { chosen?: { home: string; major: number }; found?: { home: string; major: number; version: string; source: string }[]; note?: string };
}

function doctor(args: string[], env: Record<string, string | undefined> = {}) {
  const base: Record<string, string | undefined> = { ...process.env, JAVA_HOME: undefined, JDK_HOME: undefined, CANTON_MPC_HOME: join(work, 'cache'), CI: '1' };
  return execa('node', [CLI, ...args], { env: { ...base, ...env }, extendEnv: false, reject: false, cwd: work });
}

const jdkCheck = (stdout: string) => (JSON.parse(stdout) as { checks: Check[] }).checks.find((c) => c.id === 'jdk')!;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cmpc-jdk-e2e-'));
  // A free port block, so only the JDK decides the outcome here.
  writeFileSync(join(work, 'canton-mpc.yaml'), `portBase: ${await freePortBase(topologyOffsets(2))}\n`);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('doctor and the JDKs of this machine', () => {
  it('lists Java 17 and Java 25 and picks 25 with its note', async () => {
    const r = await doctor(['--json', 'doctor']);
    const jdk = jdkCheck(r.stdout);
    const found = jdk.data!.found!;
    expect(found.find((j) => j.home === JDK17)).toMatchObject({ major: 17 });
    expect(found.find((j) => j.home === JDK25)).toMatchObject({ major: 25 });
    expect(found.find((j) => j.home === JDK17)!.source).toBe('PATH');
    expect(jdk.data!.chosen).toMatchObject({ home: JDK25, major: 25 });
    expect(jdk.status).toBe('warn');
    expect(jdk.data!.note).toMatch(/Java 25 .*newer than Java 21.*has not been tested/);
    expect(r.exitCode, r.stdout).toBe(0);

    const human = await doctor(['doctor']);
    expect(human.stdout).toContain(`using Java 25`);
    expect(human.stdout).toContain(JDK25);
    expect(human.stdout).toContain(`Java 17 (`);
    expect(human.stdout).toContain(JDK17);
  });

  it('--java-home on the 17: accepted with a warning naming --release 17 and the releases tested on 21', async () => {
    const r = await doctor(['doctor', '--java-home', JDK17]);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\[warn\] Java 17\+ \(21 tested\) +using Java 17 \(17\.[0-9.]+\) at \/usr\/lib\/jvm\/java-17-openjdk-amd64/);
    expect(r.stdout).toMatch(/compiled for Java 17 \(--release 17\).*tested on Java 21 only/);
  });

  it('JAVA_HOME on the 17 is honoured (warn), not silently replaced by the 25', async () => {
    const r = await doctor(['--json', 'doctor'], { JAVA_HOME: JDK17 });
    expect(r.exitCode).toBe(0);
    const jdk = jdkCheck(r.stdout) as Check & { data: { warning?: string } };
    expect(jdk.status).toBe('warn');
    expect(jdk.data!.chosen).toMatchObject({ home: JDK17, major: 17 });
    expect(jdk.data.warning).toContain('--release 17');
  });

  it('--java-home on a JDK 11: fails (exit 1), naming 11, 17 and the class-file versions', async () => {
    const home = makeFakeJdk(join(work, 'jdk11'), '11');
    const r = await doctor(['doctor', '--java-home', home]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/\[FAIL\] Java 17\+ \(21 tested\) +--java-home \S+jdk11 is Java 11 \(11\.0\.27\); Canton 3\.4 needs Java 17 or newer \(its classes are class-file version 61/);
    expect(r.stdout).toContain(JDK25);
  });

  it('--java-home on a JDK 21: ok, no note', async () => {
    const home = makeFakeJdk(join(work, 'jdk21'), '21');
    const r = await doctor(['--json', 'doctor', '--java-home', home]);
    const jdk = jdkCheck(r.stdout);
    expect(jdk.status).toBe('ok');
    expect(jdk.data!.chosen).toMatchObject({ home, major: 21 });
    expect(jdk.data!.note).toBeUndefined();
    expect(r.exitCode).toBe(0);
  });
});
