/**
 * Custody of external parties' Ed25519 keys on this machine. A generated key is a PKCS#8 PEM file in
 * `.canton-mpc/secrets/parties/` (directory 0700, file 0600), written once and never printed, logged or
 * passed on a command line; it leaves this process only as signatures. A key the user supplies (`--key`)
 * is read in place and refused when others may read it. Public keys are X.509 SubjectPublicKeyInfo DER,
 * the format Canton's Ledger API takes (CRYPTO_KEY_FORMAT_DER_X509_SUBJECT_PUBLIC_KEY_INFO).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeSecretFile } from '../system/fs.js';
import { secretsDir } from './paths.js';

export function partyKeysDir(stateDir: string): string {
  return join(secretsDir(stateDir), 'parties');
}

/** The generated key of party hint `name`. */
export function partyKeyPath(stateDir: string, name: string): string {
  return join(partyKeysDir(stateDir), `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.ed25519.pem`);
}

const isEd25519 = (k: KeyObject) => k.asymmetricKeyType === 'ed25519';

/** Generate a key pair into `path` (refusing to replace one); returns the public key. */
export async function generatePartyKey(path: string): Promise<KeyObject> {
  if (existsSync(path)) throw new UserError(`${path} already exists`, { where: path, hint: 'canton-mpc never overwrites a party key; reuse it (run without --key) or move it away.' });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await writeSecretFile(path, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  return publicKey;
}

function parseKey(bytes: Buffer, kind: 'private' | 'public'): KeyObject | undefined {
  const text = bytes.toString('utf8');
  const pem = /-----BEGIN [A-Z ]+-----/.test(text);
  try {
    if (kind === 'private') return pem ? createPrivateKey(text) : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
    if (pem) return createPublicKey(text);
    try {
      return createPublicKey({ key: bytes, format: 'der', type: 'spki' });
    } catch {
      return createPublicKey(createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' }));
    }
  } catch {
    return undefined;
  }
}

/**
 * A private key file (PEM or DER PKCS#8, Ed25519). Refused when group or others may read it: a party key
 * that other accounts can read is not in anyone's custody.
 */
export function readPrivateKeyFile(path: string, flag: string): KeyObject {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    throw new UserError(`${flag} ${path}: no such file`, { where: flag, hint: 'Give the path of the Ed25519 private key (PEM or DER PKCS#8), or omit --key to have canton-mpc generate one.' });
  }
  if ((mode & 0o077) !== 0) {
    throw new UserError(`${flag} ${path} may be read by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')})`, { where: flag, hint: `Restrict it first: chmod 600 ${path}` });
  }
  const key = parseKey(readFileSync(path), 'private');
  if (!key || !isEd25519(key)) throw new UserError(`${flag} ${path} is not an Ed25519 private key`, { where: flag, hint: 'External parties sign with Ed25519: a PKCS#8 key in PEM (`-----BEGIN PRIVATE KEY-----`) or DER, e.g. `openssl genpkey -algorithm ed25519`.' });
  return key;
}

/** A public key file (PEM or DER SPKI); a private key file is accepted too and only its public half kept. */
export function readPublicKeyFile(path: string, flag: string): KeyObject {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new UserError(`${flag} ${path}: no such file`, { where: flag, hint: 'Give the Ed25519 public key (PEM `-----BEGIN PUBLIC KEY-----` or DER SPKI) of the key your command signs with.' });
  }
  const k = parseKey(bytes, 'public');
  if (!k || !isEd25519(k)) throw new UserError(`${flag} ${path} is not an Ed25519 public key`, { where: flag, hint: 'Export it with `openssl pkey -in KEY -pubout` (or your KMS\'s public-key export).' });
  return k.type === 'private' ? createPublicKey(k) : k;
}

export function spkiOf(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' }) as Buffer;
}

export const signEd25519 = (key: KeyObject, message: Uint8Array): Buffer => sign(null, message, key);

export function verifyEd25519(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}
