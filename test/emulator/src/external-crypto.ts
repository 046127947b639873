// Canton's hashing and Ed25519 rules for external parties, from release-line-3.4 a904e34:
//  - Hash.digest(purpose, bytes) = SHA-256 over the purpose id as a 4-byte big-endian int followed by
//    the bytes (HashBuilderFromMessageDigest.addPurpose / addWithoutLengthPrefix,
//    community/base/src/main/scala/com/digitalasset/canton/crypto/HashBuilder.scala); its
//    getCryptographicEvidence is the multihash 0x12 0x20 ‖ digest (crypto/Hash.scala:108-112);
//  - purposes: TopologyTransactionSignature = 11, PublicKeyFingerprint = 12, MultiTopologyTransaction = 55
//    (crypto/HashPurpose.scala);
//  - a key's fingerprint is the hex of Hash.digest(PublicKeyFingerprint, data); for an Ed25519 key given as
//    an X.509 SubjectPublicKeyInfo the data is the raw 32-byte key (Signing.scala getDataForFingerprint,
//    CryptoKeys.scala Fingerprint.create);
//  - a topology transaction's hash is Hash.digest(TopologyTransactionSignature, its serialization)
//    (topology/transaction/TopologyTransaction.scala:140-147);
//  - the multi-hash of several transactions: build(MultiTopologyTransaction), add(count) as a 4-byte int,
//    then each transaction hash's evidence sorted by hex, each with a 4-byte length prefix
//    (TopologyTransactionSignature.scala MultiTransactionSignature.computeCombinedHash);
//  - an Ed25519 signature is over the hash's evidence bytes (what `openssl pkeyutl -sign -rawin` signs
//    from the runbook's proposal.hash file).
// The emulator's transactions serialize as canonical JSON rather than protobuf: clients treat them as
// opaque bytes, and every hash above is computed over exactly the bytes the client is given.
import { createHash, createPublicKey, verify } from 'node:crypto';

export const PURPOSE = { TopologyTransactionSignature: 11, PublicKeyFingerprint: 12, MultiTopologyTransaction: 55 } as const;
const MULTIHASH_SHA256 = Buffer.from([0x12, 0x20]);
/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): 30 2a 30 05 06 03 2b 65 70 03 21 00. */
export const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };

export function digest(purpose: number, bytes: Buffer): Buffer {
  return Buffer.concat([MULTIHASH_SHA256, createHash('sha256').update(int32(purpose)).update(bytes).digest()]);
}

/** The raw key inside an Ed25519 SPKI, or undefined when the bytes are not one. */
export function rawEd25519(spki: Buffer): Buffer | undefined {
  return spki.length === 44 && spki.subarray(0, 12).equals(ED25519_SPKI_PREFIX) ? spki.subarray(12) : undefined;
}

export function fingerprintOf(spki: Buffer): string {
  const raw = rawEd25519(spki);
  if (!raw) throw new Error('not an Ed25519 SubjectPublicKeyInfo');
  return digest(PURPOSE.PublicKeyFingerprint, raw).toString('hex');
}

export const txHash = (txBytes: Buffer): Buffer => digest(PURPOSE.TopologyTransactionSignature, txBytes);

export function multiHash(hashes: Buffer[]): Buffer {
  const sorted = [...hashes].sort((a, b) => a.toString('hex').localeCompare(b.toString('hex')));
  const h = createHash('sha256').update(int32(PURPOSE.MultiTopologyTransaction)).update(int32(sorted.length));
  for (const x of sorted) h.update(int32(x.length)).update(x);
  return Buffer.concat([MULTIHASH_SHA256, h.digest()]);
}

/** Node's Ed25519 verification over the same bytes Canton verifies. */
export function verifyEd25519(spki: Buffer, message: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature);
  } catch {
    return false;
  }
}
