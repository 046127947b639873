import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from '../ui/redact.js';
import { writeSecretFile } from '../system/fs.js';

export function postgresPasswordFile(stateDir: string): string {
  return join(stateDir, 'secrets', 'postgres-password');
}

/** The embedded server's generated password: created once, kept 0600, registered for redaction. */
export async function ensurePostgresPassword(stateDir: string): Promise<string> {
  const path = postgresPasswordFile(stateDir);
  let pw: string | undefined;
  try {
    pw = (await fsp.readFile(path, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (!pw) {
    pw = randomBytes(24).toString('base64url');
    await writeSecretFile(path, `${pw}\n`);
  }
  registerSecret(pw);
  return pw;
}

export async function readPostgresPassword(stateDir: string): Promise<string | undefined> {
  try {
    const pw = (await fsp.readFile(postgresPasswordFile(stateDir), 'utf8')).trim();
    registerSecret(pw);
    return pw || undefined;
  } catch {
    return undefined;
  }
}
