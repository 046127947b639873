/**
 * The hashes an external party's key signs, computed the way Canton 3.4 computes them (release-line-3.4
 * a904e34), so canton-mpc checks what it is asked to sign instead of signing whatever a server sends:
 *
 *   Hash.digest(purpose, bytes) = 0x12 0x20 ‖ SHA-256(int32be(purpose) ‖ bytes)
 *       crypto/Hash.scala (getCryptographicEvidence: multihash prefix), crypto/HashBuilder.scala (addPurpose)
 *   purposes                   TopologyTransactionSignature 11, PublicKeyFingerprint 12,
 *                              MultiTopologyTransaction 55 (crypto/HashPurpose.scala)
 *   key fingerprint            hex of Hash.digest(12, raw Ed25519 key) — for an X.509 SPKI the raw 32 bytes
 *                              (crypto/Signing.scala getDataForFingerprint; crypto/CryptoKeys.scala)
 *   transaction hash           Hash.digest(11, serialized transaction) (topology/transaction/TopologyTransaction.scala)
 *   multi-hash                 SHA-256(int32be(55) ‖ int32be(n) ‖ for each hash sorted by hex: int32be(34) ‖ hash)
 *                              (TopologyTransactionSignature.scala, MultiTransactionSignature.computeCombinedHash)
 *
 * Pure functions of bytes; test/unit/external-hash.test.ts holds the tables.
 */
import { createHash } from 'node:crypto';

export const HASH_PURPOSE = { topologyTransaction: 11, publicKeyFingerprint: 12, multiTopologyTransaction: 55 } as const;
/** Multihash header of a SHA-256 digest: algorithm 0x12, length 0x20. */
const SHA256_MULTIHASH = Uint8Array.of(0x12, 0x20);
/** RFC 8410 DER header of an Ed25519 SubjectPublicKeyInfo; the raw key follows. */
const ED25519_SPKI_HEADER = Buffer.from('302a300506032b6570032100', 'hex');

function be32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

export function cantonHash(purpose: number, bytes: Uint8Array): Buffer {
  const sha = createHash('sha256').update(be32(purpose)).update(bytes).digest();
  return Buffer.concat([SHA256_MULTIHASH, sha]);
}

/** The 32-byte key of an Ed25519 SPKI, or undefined for anything else. */
export function ed25519RawKey(spki: Uint8Array): Buffer | undefined {
  const b = Buffer.from(spki);
  if (b.length !== ED25519_SPKI_HEADER.length + 32 || !b.subarray(0, ED25519_SPKI_HEADER.length).equals(ED25519_SPKI_HEADER)) return undefined;
  return b.subarray(ED25519_SPKI_HEADER.length);
}

/** Canton's fingerprint of an Ed25519 public key given as SPKI DER: `1220…` (68 hex digits). */
export function keyFingerprint(spki: Uint8Array): string {
  const raw = ed25519RawKey(spki);
  if (!raw) throw new Error('not an Ed25519 public key (X.509 SubjectPublicKeyInfo)');
  return cantonHash(HASH_PURPOSE.publicKeyFingerprint, raw).toString('hex');
}

export const transactionHash = (serialized: Uint8Array): Buffer => cantonHash(HASH_PURPOSE.topologyTransaction, serialized);

export function combinedHash(transactionHashes: Uint8Array[]): Buffer {
  const ordered = transactionHashes.map((h) => Buffer.from(h)).sort((a, b) => (a.toString('hex') < b.toString('hex') ? -1 : a.toString('hex') > b.toString('hex') ? 1 : 0));
  const parts: Buffer[] = [be32(ordered.length)];
  for (const h of ordered) parts.push(be32(h.length), h);
  return cantonHash(HASH_PURPOSE.multiTopologyTransaction, Buffer.concat(parts));
}

/** A Canton hash's evidence bytes (`proposal.hash.hash.getCryptographicEvidence`): multihash SHA-256, 34 bytes. */
export function isCantonHash(bytes: Uint8Array): boolean {
  return bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20;
}
