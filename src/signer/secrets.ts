import { promises as fsp } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import { registerSecret } from '../ui/redact.js';
import type { SignerSpec } from '../config/types.js';

/** KEY=VALUE lines; `#` comments and blank lines ignored; values may be single- or double-quoted. */
export function parseSecretsFile(text: string, path: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) {
      // Never echo the line: it may be a secret.
      throw new UserError(`${path}:${i + 1} is not a KEY=VALUE line`, { where: `${path}:${i + 1}`, hint: 'Each line must be NAME=value.', exitCode: ExitCode.CONFIG, kind: 'secrets_invalid' });
    }
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) v = v.slice(1, -1);
    out[m[1]!] = v;
  });
  return out;
}

/**
 * The signer's secrets: `passEnv` names from our environment, then the 0600 `secretsFile`. Each value
 * is registered for redaction; a file readable by group or others is refused.
 */
export async function readSignerSecrets(signer: SignerSpec, env: NodeJS.ProcessEnv, projectDir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of signer.passEnv) {
    const v = env[name];
    if (v === undefined) missing.push(name);
    else out[name] = v;
  }
  if (missing.length > 0) {
    throw new UserError(`the signer needs ${missing.join(', ')} in the environment (signer.passEnv), but ${missing.length === 1 ? 'it is' : 'they are'} not set`, {
      where: 'signer.passEnv',
      hint: `Export ${missing.join(', ')} before running canton-mpc up, or move ${missing.length === 1 ? 'it' : 'them'} into signer.secretsFile.`,
      exitCode: ExitCode.CONFIG,
      kind: 'signer_secret_missing',
    });
  }
  if (signer.secretsFile) {
    const path = isAbsolute(signer.secretsFile) ? signer.secretsFile : resolve(projectDir, signer.secretsFile);
    let st;
    try {
      st = await fsp.stat(path);
    } catch {
      throw new UserError(`signer.secretsFile ${path} does not exist`, { where: path, hint: 'Create it (KEY=VALUE lines) with mode 0600.', exitCode: ExitCode.CONFIG, kind: 'signer_secret_missing' });
    }
    if ((st.mode & 0o077) !== 0) {
      throw new UserError(`signer.secretsFile ${path} is readable by group or others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`, {
        where: path,
        hint: `Restrict it to its owner: chmod 600 ${path}`,
        exitCode: ExitCode.CONFIG,
        kind: 'signer_secret_permissions',
      });
    }
    Object.assign(out, parseSecretsFile(await fsp.readFile(path, 'utf8'), path));
  }
  for (const v of Object.values(out)) registerSecret(v);
  return out;
}
