/**
 * Who signs for an external party, and the one way every signature is produced: the hash is written to
 * `<run dir>/<label>.hash`, signed (in this process with a key file, or by the user's command), checked
 * against the party's public key, and only then written to `<run dir>/<label>.sig` (atomically, so a
 * console script waiting for it never reads half a file).
 *
 * `--sign-with-command CMD` contract (README "External parties"): CMD is split into words (quotes
 * group, no shell) and run with
 *   CANTON_MPC_HASH_FILE        the file holding the bytes to sign (a 34-byte Canton hash)
 *   CANTON_MPC_SIGNATURE_FILE   where to write the raw 64-byte Ed25519 signature
 *   CANTON_MPC_KEY_FINGERPRINT  the Canton fingerprint of the key that must sign (1220…)
 *   CANTON_MPC_SIGNING_ALGORITHM  ED25519
 * It must exit 0. canton-mpc never sees the private key, and no key material is ever on a command line.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { ExitCode, RemoteError, UserError } from '../errors.js';
import { signEd25519, spkiOf, verifyEd25519 } from '../security/party-keys.js';
import { writeFileAtomic } from '../system/fs.js';
import { formatCommand, type ProcessRunner } from '../system/process.js';
import { keyFingerprint } from './external-hash.js';

/** A KMS or HSM may wait for a human to approve: a generous bound, named in the error. */
export const SIGN_COMMAND_TIMEOUT_MS = 5 * 60_000;
export const ED25519_SIGNATURE_BYTES = 64;

export type Custody = 'generated' | 'key-file' | 'command';

export interface ExternalSigner {
  custody: Custody;
  publicKey: KeyObject;
  /** Canton fingerprint of the public key: the external party's namespace. */
  fingerprint: string;
  /** For messages: the key file, or the command. Never key material. */
  describe: string;
  /** Raw signature over `hash`; `files` name the hash and signature files of this signing. */
  produce(hash: Buffer, files: { hashFile: string; signatureFile: string }): Promise<Buffer>;
}

export function keySigner(privateKey: KeyObject, custody: 'generated' | 'key-file', path: string): ExternalSigner {
  return {
    custody,
    publicKey: createPublicKey(privateKey),
    fingerprint: keyFingerprint(spkiOf(privateKey)),
    describe: path,
    produce: async (hash) => signEd25519(privateKey, hash),
  };
}

/** Words of a command line: whitespace separates, single and double quotes group; no shell features. */
export function splitCommand(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (const ch of cmd) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new UserError(`--sign-with-command has an unclosed ${quote}`, { where: '--sign-with-command', hint: 'Quote each argument fully, or point it at a script.' });
  if (inWord) words.push(cur);
  if (words.length === 0) throw new UserError('--sign-with-command is empty', { where: '--sign-with-command', hint: 'Name the program that signs, e.g. --sign-with-command ./kms-sign.sh' });
  return words;
}

export function commandSigner(cmd: string, publicKey: KeyObject, publicKeyFile: string, runner: ProcessRunner, cwd: string): ExternalSigner {
  const [file, ...args] = splitCommand(cmd);
  const fingerprint = keyFingerprint(spkiOf(publicKey));
  const shown = formatCommand(file!, args);
  return {
    custody: 'command',
    publicKey,
    fingerprint,
    describe: `${shown} (public key ${publicKeyFile})`,
    async produce(_hash, files) {
      rmSync(files.signatureFile, { force: true });
      const r = await runner.run(file!, args, {
        cwd,
        timeoutMs: SIGN_COMMAND_TIMEOUT_MS,
        env: { CANTON_MPC_HASH_FILE: files.hashFile, CANTON_MPC_SIGNATURE_FILE: files.signatureFile, CANTON_MPC_KEY_FINGERPRINT: fingerprint, CANTON_MPC_SIGNING_ALGORITHM: 'ED25519' },
      });
      const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
      if (r.timedOut) throw new RemoteError(`the signing command did not finish within ${SIGN_COMMAND_TIMEOUT_MS / 1000} s`, { where: shown, hint: 'Check the KMS/HSM (a pending approval?) and run the same canton-mpc command again: it resumes.', kind: 'sign_command_failed' });
      if (r.exitCode !== 0) throw new RemoteError(`the signing command exited with ${r.exitCode}${tail ? `: ${tail}` : ''}`, { where: shown, hint: 'Fix the command (it reads $CANTON_MPC_HASH_FILE and writes the raw signature to $CANTON_MPC_SIGNATURE_FILE), then run the same canton-mpc command again.', kind: 'sign_command_failed' });
      if (!existsSync(files.signatureFile)) throw new RemoteError('the signing command exited 0 but wrote no signature', { where: shown, hint: 'It must write the raw 64-byte Ed25519 signature to the file named by $CANTON_MPC_SIGNATURE_FILE.', kind: 'sign_command_failed' });
      return readFileSync(files.signatureFile);
    },
  };
}

/**
 * Sign `hash` for the party whose namespace is `expectedFingerprint`: refuses a key that is not the
 * party's before anything is signed, and a signature that does not verify before anything is loaded.
 */
export async function signHash(signer: ExternalSigner, hash: Buffer, dir: string, label: string, expectedFingerprint: string, party: string): Promise<{ signature: Buffer; hashFile: string; signatureFile: string }> {
  if (signer.fingerprint !== expectedFingerprint) {
    throw new UserError(`the key ${signer.describe} is not the namespace key of ${party}`, {
      hint: `${party} expects a signature by key ${expectedFingerprint}; this key's fingerprint is ${signer.fingerprint}. Use the party's own key (--key, or --sign-with-command with its --public-key).`,
      exitCode: ExitCode.REFUSED,
      kind: 'external_wrong_key',
      data: { expectedKey: expectedFingerprint, signingKey: signer.fingerprint },
    });
  }
  const hashFile = join(dir, `${label}.hash`);
  const signatureFile = join(dir, `${label}.sig`);
  await writeFileAtomic(hashFile, hash);
  rmSync(signatureFile, { force: true });
  const sig = await signer.produce(hash, { hashFile, signatureFile: `${signatureFile}.new` });
  rmSync(`${signatureFile}.new`, { force: true });
  if (sig.length !== ED25519_SIGNATURE_BYTES || !verifyEd25519(signer.publicKey, hash, sig)) {
    throw new UserError(`the signature from ${signer.describe} does not verify over ${hashFile} with key ${expectedFingerprint}`, {
      hint: `${party} expects an Ed25519 signature (${ED25519_SIGNATURE_BYTES} raw bytes) by key ${expectedFingerprint} over the bytes of the hash file; the signer used another key or another format. Nothing was loaded into Canton.`,
      exitCode: ExitCode.REFUSED,
      kind: 'external_signature_invalid',
      data: { expectedKey: expectedFingerprint },
    });
  }
  await writeFileAtomic(signatureFile, sig);
  return { signature: sig, hashFile, signatureFile };
}
