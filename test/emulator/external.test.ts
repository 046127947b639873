// External parties in the emulator (rules and sources in src/external.ts): allocation over the Ledger
// API with a real Ed25519 key, Workflow 1's party-side signature over the proposal hash verified for
// real, a wrong key's signature refused with the expected namespace named in the node log, and the
// client seeing only Canton's redacted alarm message.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BOOTSTRAP, remoteParticipants, startDaemon, type Daemon } from './harness.js';
import { digest, fingerprintOf, multiHash, txHash } from './src/external-crypto.js';

let d: Daemon;
let run: ReturnType<typeof remoteParticipants>['run'];
beforeAll(async () => {
  d = await startDaemon({ bootstrap: BOOTSTRAP });
  run = remoteParticipants(d, 'val syncId = participant1.synchronizers.id_of("da")\n').run;
});
afterAll(async () => { await d?.stop(); });

const post = async (i: number, path: string, body: unknown) => {
  const r = await fetch(`${d.json(i)}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
const spki = (k: KeyObject) => k.export({ format: 'der', type: 'spki' }) as Buffer;
const syncIdOf = async () => /SYNC=(\S+)/.exec((await run('println("SYNC=" + syncId.toProtoPrimitive)\n')).out)![1]!;

async function allocate(hint: string, key: { publicKey: KeyObject; privateKey: KeyObject }, synchronizer: string) {
  const g = await post(1, '/v2/parties/external/generate-topology', {
    synchronizer, partyHint: hint, localParticipantObservationOnly: false, confirmationThreshold: 0,
    publicKey: { format: 'CRYPTO_KEY_FORMAT_DER_X509_SUBJECT_PUBLIC_KEY_INFO', keyData: spki(key.publicKey).toString('base64'), keySpec: 'SIGNING_KEY_SPEC_EC_CURVE25519' },
  });
  expect(g.status).toBe(200);
  const txs = (g.body.topologyTransactions as string[]).map((t) => Buffer.from(t, 'base64'));
  const mh = Buffer.from(String(g.body.multiHash), 'base64');
  // The multi-hash is Canton's combination of the transactions' hashes, over exactly the bytes returned.
  expect(mh.equals(multiHash(txs.map(txHash)))).toBe(true);
  const a = await post(1, '/v2/parties/external/allocate', {
    synchronizer, identityProviderId: '', onboardingTransactions: txs.map((t) => ({ transaction: t.toString('base64') })),
    multiHashSignatures: [{ format: 'SIGNATURE_FORMAT_CONCAT', signature: sign(null, mh, key.privateKey).toString('base64'), signedBy: String(g.body.publicKeyFingerprint), signingAlgorithmSpec: 'SIGNING_ALGORITHM_SPEC_ED25519' }],
  });
  return { g, a };
}

test('Canton fingerprint and hash rules: purpose as a 4-byte prefix, multihash 1220, raw Ed25519 key', () => {
  const k = generateKeyPairSync('ed25519');
  const raw = spki(k.publicKey).subarray(12);
  const purpose = Buffer.from([0, 0, 0, 12]);
  expect(fingerprintOf(spki(k.publicKey))).toBe('1220' + createHash('sha256').update(Buffer.concat([purpose, raw])).digest('hex'));
  expect(digest(11, Buffer.from('x')).subarray(0, 2).toString('hex')).toBe('1220');
  // Order does not matter: the hashes are sorted before they are combined.
  const [a, b] = [txHash(Buffer.from('a')), txHash(Buffer.from('b'))];
  expect(multiHash([a, b]).equals(multiHash([b, a]))).toBe(true);
  expect(multiHash([a]).equals(multiHash([b]))).toBe(false);
});

test('allocate over the Ledger API: namespace = key fingerprint; a signature by another key is refused', async () => {
  const sync = await syncIdOf();
  const key = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  // The right fingerprint claimed, the bytes from another key: the signature does not verify.
  const g = await post(1, '/v2/parties/external/generate-topology', { synchronizer: sync, partyHint: 'Forged', localParticipantObservationOnly: false, confirmationThreshold: 0, publicKey: { format: 'CRYPTO_KEY_FORMAT_DER_X509_SUBJECT_PUBLIC_KEY_INFO', keyData: spki(key.publicKey).toString('base64'), keySpec: 'SIGNING_KEY_SPEC_EC_CURVE25519' } });
  const forged = await post(1, '/v2/parties/external/allocate', { synchronizer: sync, identityProviderId: '', onboardingTransactions: (g.body.topologyTransactions as string[]).map((t) => ({ transaction: t })), multiHashSignatures: [{ format: 'SIGNATURE_FORMAT_CONCAT', signature: sign(null, Buffer.from(String(g.body.multiHash), 'base64'), other.privateKey).toString('base64'), signedBy: String(g.body.publicKeyFingerprint), signingAlgorithmSpec: 'SIGNING_ALGORITHM_SPEC_ED25519' }] });
  expect(forged.status).toBe(400);
  expect(String(forged.body.cause)).toMatch(/An error occurred\. Please contact the operator and inquire about the request/);
  expect(readFileSync(join(d.cwd, 'log/canton.log'), 'utf8')).toMatch(/TOPOLOGY_INVALID_TX_SIGNATURE\(5,[0-9a-f]{8}\): Transaction signature verification failed/);

  const { g: ok, a } = await allocate('Alice', key, sync);
  expect(a.status).toBe(200);
  expect(a.body.partyId).toBe(`Alice::${fingerprintOf(spki(key.publicKey))}`);
  expect(ok.body.publicKeyFingerprint).toBe(fingerprintOf(spki(key.publicKey)));
  const again = await allocate('Alice', key, sync);
  expect(again.a.status).toBe(400);
  expect(String(again.a.body.cause)).toMatch(/Party already exists/);
});

test('Workflow 1 for an external party: the key signs the proposal hash, load makes it effective; a wrong key is named', async () => {
  const sync = await syncIdOf();
  const key = generateKeyPairSync('ed25519');
  const wrong = generateKeyPairSync('ed25519');
  const { a } = await allocate('Bob', key, sync);
  const bob = String(a.body.partyId);
  const fp = bob.split('::')[1]!;
  const hashFile = join(d.cwd, 'proposal.hash');
  const propose = `val bob = participant2.topology.party_to_participant_mappings.list(syncId, filterParty = "${bob}").head.item.partyId
val proposal = participant1.topology.party_to_participant_mappings.propose_delta(party = bob, adds = Seq((participant1.id, ParticipantPermission.Confirmation)), store = syncId)
java.nio.file.Files.write(java.nio.file.Paths.get("${hashFile}"), proposal.hash.hash.getCryptographicEvidence.toByteArray)
`;
  expect((await run(propose)).err).toBe('');
  const hash = readFileSync(hashFile);
  expect(hash.length).toBe(34);
  const load = (sigFile: string, by: string) => `${propose}val sig = Signature.fromExternalSigning(format = SignatureFormat.Concat, signature = com.google.protobuf.ByteString.copyFrom(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("${sigFile}"))), signedBy = Fingerprint.tryFromString("${by}"), signingAlgorithmSpec = SigningAlgorithmSpec.Ed25519)
participant2.topology.transactions.load(transactions = Seq(proposal.addSingleSignature(sig)), store = syncId)
println("known=" + participant1.topology.party_to_participant_mappings.is_known(syncId, bob, Seq(participant1.id), Some(ParticipantPermission.Confirmation)))
`;
  const wrongSig = join(d.cwd, 'wrong.sig');
  writeFileSync(wrongSig, sign(null, hash, wrong.privateKey));
  const wrongFp = fingerprintOf(spki(wrong.publicKey));
  const byWrong = await run(load(wrongSig, wrongFp));
  expect(byWrong.code).toBe(1);
  expect(byWrong.err).toMatch(/INVALID_ARGUMENT\/An error occurred\. Please contact the operator/);
  // The node log names the namespace (the party's key) whose signature is missing.
  expect(readFileSync(join(d.cwd, 'log/canton.log'), 'utf8')).toContain(`TOPOLOGY_UNAUTHORIZED_TRANSACTION`);
  expect(readFileSync(join(d.cwd, 'log/canton.log'), 'utf8')).toContain(`missing authorizations by namespaces=Set(${fp})`);

  const goodSig = join(d.cwd, 'good.sig');
  writeFileSync(goodSig, sign(null, hash, key.privateKey));
  // Loading the same signed transaction twice: the second is ignored, as in Canton.
  const ok = await run(`${load(goodSig, fp)}participant2.topology.transactions.load(transactions = Seq(proposal.addSingleSignature(sig)), store = syncId)\n`);
  expect(ok.err).toBe('');
  expect(ok.out).toContain('known=true');
});
