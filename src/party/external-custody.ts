/**
 * Choosing who signs for an external party from the command line: `--key FILE` (read in place, must be
 * 0600), `--sign-with-command CMD --public-key FILE` (canton-mpc never sees the private key), or neither:
 * the key canton-mpc generated into .canton-mpc/secrets/parties/ (created by `allocate-external`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ExitCode, UserError } from '../errors.js';
import { generatePartyKey, partyKeyPath, readPrivateKeyFile, readPublicKeyFile } from '../security/party-keys.js';
import type { ProcessRunner } from '../system/process.js';
import type { ExternalPartyRecord } from './external-allocate.js';
import { commandSigner, keySigner, type Custody, type ExternalSigner } from './external-signer.js';

export interface SignerFlags {
  key?: string;
  signWithCommand?: string;
  publicKey?: string;
}

export interface Custodian {
  custody: Custody;
  keyFile?: string;
  publicKeyFile?: string;
  signCommand?: string;
  keyMissing(): boolean;
  generate?(): Promise<void>;
  signer(): ExternalSigner;
}

export function checkSignerFlags(f: SignerFlags): void {
  if (f.key !== undefined && f.signWithCommand !== undefined) throw new UserError('--key and --sign-with-command exclude each other', { where: '--sign-with-command', hint: 'Sign in-process with the key file, or hand the hash to your command; not both.' });
  if (f.signWithCommand !== undefined && f.publicKey === undefined) throw new UserError('--sign-with-command needs --public-key FILE', { where: '--public-key', hint: "Give the public half of the key your command signs with: canton-mpc checks each signature against it before Canton sees it." });
  if (f.publicKey !== undefined && f.signWithCommand === undefined) throw new UserError('--public-key is only for --sign-with-command', { where: '--public-key', hint: 'With --key the public key is derived from the private key.' });
}

/** The custodian the flags name; with none, the generated key of party hint `name`. */
export function custodianFromFlags(stateDir: string, name: string, f: SignerFlags, runner: ProcessRunner, cwd: string): Custodian {
  checkSignerFlags(f);
  if (f.signWithCommand !== undefined) {
    const pub = resolve(cwd, f.publicKey!);
    const cmd = f.signWithCommand;
    return { custody: 'command', publicKeyFile: pub, signCommand: cmd, keyMissing: () => false, signer: () => commandSigner(cmd, readPublicKeyFile(pub, '--public-key'), pub, runner, cwd) };
  }
  if (f.key !== undefined) {
    const path = resolve(cwd, f.key);
    return { custody: 'key-file', keyFile: path, keyMissing: () => false, signer: () => keySigner(readPrivateKeyFile(path, '--key'), 'key-file', path) };
  }
  const path = partyKeyPath(stateDir, name);
  return {
    custody: 'generated',
    keyFile: path,
    keyMissing: () => !existsSync(path),
    generate: async () => void (await generatePartyKey(path)),
    signer: () => keySigner(readPrivateKeyFile(path, 'the generated key'), 'generated', path),
  };
}

/**
 * The signer for an existing external party (Workflows 1 and 2): the flags if given, else what
 * `allocate-external` recorded. Refused before anything is proposed when there is none.
 */
export function signerForParty(stateDir: string, label: string, rec: ExternalPartyRecord | undefined, f: SignerFlags, runner: ProcessRunner, cwd: string): ExternalSigner {
  if (f.key !== undefined || f.signWithCommand !== undefined || f.publicKey !== undefined) return custodianFromFlags(stateDir, label, f, runner, cwd).signer();
  if (rec?.custody === 'generated' && rec.keyFile) return keySigner(readPrivateKeyFile(rec.keyFile, 'the generated key'), 'generated', rec.keyFile);
  if (rec?.custody === 'key-file' && rec.keyFile) return keySigner(readPrivateKeyFile(rec.keyFile, '--key'), 'key-file', rec.keyFile);
  if (rec?.custody === 'command' && rec.signCommand && rec.publicKeyFile) return commandSigner(rec.signCommand, readPublicKeyFile(rec.publicKeyFile, '--public-key'), rec.publicKeyFile, runner, cwd);
  throw new UserError(`party ${label} is an external party: its namespace key must sign the hosting change, and canton-mpc has no key for it`, {
    hint: 'Pass --key FILE (the Ed25519 private key, mode 0600) or --sign-with-command CMD --public-key FILE; nothing was proposed.',
    exitCode: ExitCode.REFUSED,
    kind: 'external_key_needed',
  });
}
