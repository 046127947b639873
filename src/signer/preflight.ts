import { promises as fsp } from 'node:fs';
import type { SignerSpec } from '../config/types.js';
import { isCantonMpcError } from '../errors.js';
import { resolveExecutable } from '../system/child-env.js';
import { readSignerSecrets } from './secrets.js';

/**
 * What must hold for the signer to start, checked before Canton starts (up's preflight) and by
 * `doctor`, so a signer that cannot run is found in a second, not after the whole topology is up.
 */
export interface SignerProblem {
  what: 'cwd' | 'command' | 'secrets';
  message: string;
  fix: string;
}

export async function signerProblems(spec: SignerSpec, env: NodeJS.ProcessEnv, projectDir: string): Promise<SignerProblem[]> {
  const problems: SignerProblem[] = [];
  const cwd = spec.cwd ?? projectDir;
  const st = await fsp.stat(cwd).catch(() => undefined);
  if (!st?.isDirectory()) {
    problems.push({ what: 'cwd', message: `signer.cwd ${cwd} ${st ? 'is not a directory' : 'does not exist'}`, fix: `Create ${cwd}, or fix signer.cwd in canton-mpc.yaml.` });
  } else if (!resolveExecutable(spec.command, cwd, env.PATH)) {
    problems.push({
      what: 'command',
      message: spec.command.includes('/') ? `signer.command ${spec.command} is not an executable file (relative to ${cwd})` : `signer.command ${spec.command} is not on PATH`,
      fix: spec.command.includes('/') ? `Build it or fix the path; a script needs \`chmod +x\`.` : `Install ${spec.command}, or give its full path in signer.command.`,
    });
  }
  try {
    await readSignerSecrets(spec, env, projectDir);
  } catch (e) {
    if (!isCantonMpcError(e)) throw e;
    problems.push({ what: 'secrets', message: e.message, fix: e.hint ?? '' });
  }
  return problems;
}
