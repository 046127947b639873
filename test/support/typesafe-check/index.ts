/**
 * Test helper: parse and resolve HOCON with Typesafe Config (Debian libtypesafe-config-java), the
 * library Canton itself reads configuration with. ConfigCheck.java is compiled once per source hash
 * into the OS temp dir.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TYPESAFE_JAR = process.env.TYPESAFE_CONFIG_JAR ?? '/usr/share/java/typesafe-config.jar';
const SOURCE = fileURLToPath(new URL('./ConfigCheck.java', import.meta.url));

function compiled(): string {
  const src = readFileSync(SOURCE);
  const dir = join(tmpdir(), `canton-mpc-typesafe-check-${createHash('sha256').update(src).digest('hex').slice(0, 12)}`);
  if (existsSync(join(dir, 'ConfigCheck.class'))) return dir;
  const build = mkdtempSync(join(tmpdir(), 'typesafe-build-'));
  execFileSync('javac', ['-cp', TYPESAFE_JAR, '-d', build, SOURCE], { stdio: 'pipe' });
  mkdirSync(join(dir, '..'), { recursive: true });
  try {
    renameSync(build, dir);
  } catch {
    // Another test worker compiled it first.
  }
  return dir;
}

export type Resolved = Record<string, unknown> & { error?: string };

/**
 * Resolves each file with exactly `env` as the process environment (plus PATH), as Canton would see
 * it at start-up. Keys of the result are Typesafe path expressions, e.g. `canton.participants.participant1.ledger-api.port`.
 */
export function resolveHocon(files: string[], env: Record<string, string> = {}): Record<string, Resolved> {
  const classes = compiled();
  const out = execFileSync('java', ['-cp', `${TYPESAFE_JAR}:${classes}`, 'ConfigCheck', ...files], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as Record<string, Resolved>;
}
