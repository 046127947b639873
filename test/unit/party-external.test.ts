// External parties, pure parts: Canton's hash and fingerprint rules, the signing contract's word split,
// key-file custody, the sign-and-verify gate, the external preflight, and the rendered console script.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { assessReplication } from '../../src/party/assess.js';
import { externalRecordCurrent } from '../../src/party/external-allocate.js';
import { externalKeyProblem } from '../../src/party/external-assess.js';
import { alarmLine, explainExternalRefusal } from '../../src/party/external-errors.js';
import { cantonHash, combinedHash, ed25519RawKey, isCantonHash, keyFingerprint, transactionHash } from '../../src/party/external-hash.js';
import { renderExternalReplicateScript } from '../../src/party/external-scripts.js';
import { keySigner, signHash, splitCommand, type ExternalSigner } from '../../src/party/external-signer.js';
import type { Observation } from '../../src/party/types.js';
import { readPrivateKeyFile, readPublicKeyFile, spkiOf } from '../../src/security/party-keys.js';
import { expectInOrder } from '../support/order.js';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const be32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const tmp = () => mkdtempSync(join(tmpdir(), 'cmpc-ext-'));

describe('Canton hashes (as in the 3.4 pack example interactive_topology_util.py and crypto/Hash.scala)', () => {
  test.each([
    ['TopologyTransactionSignature', 11, 'abc'],
    ['PublicKeyFingerprint', 12, ''],
    ['MultiTopologyTransaction', 55, 'xyz'],
  ])('%s (%i): 0x12 0x20 ‖ sha256(int32be(purpose) ‖ bytes)', (_n, purpose, content) => {
    const h = cantonHash(purpose, Buffer.from(content));
    expect(h.length).toBe(34);
    expect(h.subarray(0, 2).toString('hex')).toBe('1220');
    expect(h.subarray(2).equals(sha(be32(purpose), Buffer.from(content)))).toBe(true);
    expect(isCantonHash(h)).toBe(true);
  });

  test('an Ed25519 fingerprint hashes the raw 32-byte key, not its SPKI (Signing.scala getDataForFingerprint)', () => {
    const spki = spkiOf(generateKeyPairSync('ed25519').publicKey);
    const raw = ed25519RawKey(spki)!;
    expect(raw.length).toBe(32);
    expect(keyFingerprint(spki)).toBe('1220' + sha(be32(12), raw).toString('hex'));
    expect(keyFingerprint(spki)).not.toBe('1220' + sha(be32(12), spki).toString('hex'));
    expect(() => keyFingerprint(spkiOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey))).toThrow(/not an Ed25519/);
  });

  test('multi-hash: count, then each hash length-prefixed, sorted by hex (computeCombinedHash)', () => {
    const [a, b] = [transactionHash(Buffer.from('one')), transactionHash(Buffer.from('two'))];
    const [lo, hi] = a.toString('hex') < b.toString('hex') ? [a, b] : [b, a];
    const expected = Buffer.concat([Buffer.from([0x12, 0x20]), sha(be32(55), be32(2), be32(34), lo, be32(34), hi)]);
    expect(combinedHash([a, b]).equals(expected)).toBe(true);
    expect(combinedHash([b, a]).equals(expected)).toBe(true);
    expect(combinedHash([a]).equals(combinedHash([a, b]))).toBe(false);
  });

  test.each([
    [Buffer.alloc(34, 0), false],
    [Buffer.concat([Buffer.from([0x12, 0x20]), Buffer.alloc(32)]), true],
    [Buffer.concat([Buffer.from([0x12, 0x20]), Buffer.alloc(31)]), false],
  ])('isCantonHash %#', (b, ok) => expect(isCantonHash(b)).toBe(ok));
});

describe('--sign-with-command word split (no shell)', () => {
  test.each([
    ['./kms-sign', ['./kms-sign']],
    ['  node  sign.mjs --key-id  abc ', ['node', 'sign.mjs', '--key-id', 'abc']],
    [`vault "write transit/sign/party" 'input=x y'`, ['vault', 'write transit/sign/party', 'input=x y']],
    [`a "" b`, ['a', '', 'b']],
  ])('%s', (cmd, words) => expect(splitCommand(cmd)).toEqual(words));
  test.each([['"unclosed', /unclosed "/], ['   ', /is empty/]])('%s is refused', (cmd, re) => expect(() => splitCommand(cmd)).toThrow(re));
});

describe('key files', () => {
  const k = generateKeyPairSync('ed25519');
  test('PEM and DER accepted at 0600; readable by others refused with the chmod fix; other key types refused', () => {
    const d = tmp();
    const pem = join(d, 'k.pem');
    writeFileSync(pem, k.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    const der = join(d, 'k.der');
    writeFileSync(der, k.privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer, { mode: 0o600 });
    expect(keyFingerprint(spkiOf(readPrivateKeyFile(pem, '--key')))).toBe(keyFingerprint(spkiOf(k.publicKey)));
    expect(keyFingerprint(spkiOf(readPrivateKeyFile(der, '--key')))).toBe(keyFingerprint(spkiOf(k.publicKey)));
    chmodSync(pem, 0o640);
    expect(() => readPrivateKeyFile(pem, '--key')).toThrow(/may be read by other users \(mode 640\)/);
    try { readPrivateKeyFile(pem, '--key'); } catch (e) { expect((e as { hint: string }).hint).toBe(`Restrict it first: chmod 600 ${pem}`); }
    const ec = join(d, 'ec.pem');
    writeFileSync(ec, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    expect(() => readPrivateKeyFile(ec, '--key')).toThrow(/is not an Ed25519 private key/);
    expect(() => readPrivateKeyFile(join(d, 'missing.pem'), '--key')).toThrow(/no such file/);
    const pub = join(d, 'k.pub');
    writeFileSync(pub, k.publicKey.export({ format: 'der', type: 'spki' }) as Buffer);
    expect(keyFingerprint(spkiOf(readPublicKeyFile(pub, '--public-key')))).toBe(keyFingerprint(spkiOf(k.publicKey)));
  });
});

describe('signHash: nothing reaches Canton unless the party key signed it', () => {
  const k = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const hash = cantonHash(11, Buffer.from('proposal'));
  const fp = keyFingerprint(spkiOf(k.publicKey));
  test('the right key: the signature verifies and is written next to the hash', async () => {
    const d = tmp();
    const r = await signHash(keySigner(k.privateKey, 'key-file', 'k.pem'), hash, d, 'proposal', fp, 'Vault');
    expect(readFileSync(join(d, 'proposal.hash')).equals(hash)).toBe(true);
    expect(readFileSync(r.signatureFile).equals(sign(null, hash, k.privateKey))).toBe(true);
  });
  test('another key: refused before signing, naming the expected and the actual key', async () => {
    const d = tmp();
    const e = await signHash(keySigner(other.privateKey, 'key-file', 'o.pem'), hash, d, 'proposal', fp, 'Vault').then(() => ({ kind: 'none', message: '', exitCode: 0 }), (x: unknown) => x as { kind: string; message: string; exitCode: number });
    expect(e).toMatchObject({ kind: 'external_wrong_key', exitCode: 8 });
    expect(e.message).toContain('o.pem');
    expect(existsSync(join(d, 'proposal.hash'))).toBe(false);
  });
  test.each([
    ['a signature by another key', (h: Buffer) => sign(null, h, other.privateKey)],
    ['a truncated signature', (h: Buffer) => sign(null, h, k.privateKey).subarray(0, 63)],
    ['a signature over other bytes', () => sign(null, Buffer.from('else'), k.privateKey)],
  ])('a signer claiming the right key but producing %s: refused, no .sig file', async (_n, produce) => {
    const d = tmp();
    const liar: ExternalSigner = { custody: 'command', publicKey: k.publicKey, fingerprint: fp, describe: 'kms', produce: async (h) => produce(h) };
    const e = await signHash(liar, hash, d, 'proposal', fp, 'Vault').then(() => ({ kind: 'none' }), (x: unknown) => x as { kind: string });
    expect(e.kind).toBe('external_signature_invalid');
    expect(existsSync(join(d, 'proposal.sig'))).toBe(false);
  });
});

describe('external preflight', () => {
  const fp = '1220' + 'ab'.repeat(32);
  test.each([
    [undefined, 'external_key_needed', /its namespace key 1220(ab){32} must sign the hosting change, and no key was given/],
    ['1220' + 'cd'.repeat(32), 'external_wrong_key', /expects a signature by 1220(ab){32}, the key's fingerprint is 1220(cd){32}/],
  ])('signer %s → %s', (signer, kind, re) => {
    expect(() => externalKeyProblem('Vault', `Vault::${fp}`, signer)).toThrow(re);
    try { externalKeyProblem('Vault', `Vault::${fp}`, signer); } catch (e) { expect(e).toMatchObject({ kind, exitCode: 8 }); }
  });
  test('the right key passes', () => expect(() => externalKeyProblem('Vault', `Vault::${fp}`, fp)).not.toThrow());

  const P1 = 'participant1::1220' + '11'.repeat(32);
  const P2 = 'participant2::1220' + '22'.repeat(32);
  const pv = (name: string, uid: string) => ({ name, uid, connected: true, end: 1, manualConnect: false, pruning: null, dars: [], vetted: [] });
  const obs = (proposals: Observation['parties'][string]['proposals'] = []): Observation => ({
    synchronizerId: 'da::1220' + '00'.repeat(32),
    participants: { participant1: pv('participant1', P1), participant2: pv('participant2', P2) },
    parties: { [`Vault::${fp}`]: { id: `Vault::${fp}`, external: true, decentralized: false, proposals, mapping: { serial: 1, threshold: 1, signedBy: [fp, P2.split('::')[1]!], hosts: [{ uid: P2, name: 'participant2', permission: 'Confirmation', onboarding: false }] } } },
  });
  const req = (permission: 'Submission' | 'Confirmation') => ({ partyName: 'Vault', partyId: `Vault::${fp}`, source: 'participant2', target: 'participant1', permission });
  const none = { state: 'none' as const, detail: 'never used' };
  test('Submission is refused before the key is even looked at', () => {
    expect(() => assessReplication(req('Submission'), obs(), none, { darFiles: 0 })).toThrow(/only with Confirmation or Observation, not Submission/);
  });
  test('the participant side comes first; the source need not own the namespace', () => {
    expect(assessReplication(req('Confirmation'), obs(), none, { darFiles: 0, externalKey: fp }).pending).toEqual(['propose-participant-side', 'propose-party-side', 'await-effective']);
    const half = obs([{ serial: 2, threshold: 1, signedBy: [P1.split('::')[1]!], hosts: [{ uid: P2, permission: 'Confirmation', onboarding: false }, { uid: P1, permission: 'Confirmation', onboarding: false }] }]);
    expect(assessReplication(req('Confirmation'), half, none, { darFiles: 0, externalKey: fp }).pending).toEqual(['propose-party-side', 'await-effective']);
  });
});

describe('the external Workflow 1 script', () => {
  const fp = '1220' + 'ab'.repeat(32);
  const input = { projectDir: '/p', alias: 'da', partyId: `Vault::${fp}`, source: 'participant2', target: 'participant1', permission: 'Confirmation' as const, dars: [], packages: [], waitSeconds: 120 };
  const files = { hashFile: '/run/proposal.hash', signatureFile: '/run/proposal.sig', refusedFile: '/run/proposal.refused', fingerprint: fp, signWaitSeconds: 300 };
  test('the runbook calls, in order: target proposes, hash written, signature waited for, source loads', () => {
    const s = renderExternalReplicateScript({ ...input, steps: ['propose-participant-side', 'propose-party-side', 'await-effective'] }, files);
    const order = ['val proposal = participant1.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Confirmation)), store = syncId)', 'proposal.hash.hash.getCryptographicEvidence.toByteArray', 'CANTON_MPC_STEP external-hash', '"/run/proposal.refused"', `Signature.fromExternalSigning(format = SignatureFormat.Concat`, `signedBy = Fingerprint.tryFromString("${fp}")`, 'participant2.topology.transactions.load(transactions = Seq(proposal.addSingleSignature(partySignature)), store = syncId)', 'is_known'];
    expectInOrder(s, order);
  });
  test('a resumed run whose participant side is done still proposes (idempotent) to get the hash back', () => {
    const s = renderExternalReplicateScript({ ...input, steps: ['propose-party-side', 'await-effective'] }, files);
    expect(s).toContain('val proposal = participant1.topology.party_to_participant_mappings.propose_delta');
    const only = renderExternalReplicateScript({ ...input, steps: ['await-effective'] }, files);
    expect(only).not.toContain('val proposal');
  });
});

describe("Canton's refusal of an external signature, explained", () => {
  const exp = '1220' + 'ab'.repeat(32);
  const by = '1220' + 'cd'.repeat(32);
  const console = 'Script execution failed: (console):12:1: Request failed for participant2. INVALID_ARGUMENT/An error occurred. Please contact the operator and inquire about the request 5d1e0c9b8a7f6e5d4c3b2a1908f7e6d5 with tid 5d1e0c9b8a7f6e5d4c3b2a1908f7e6d5';
  const log = [
    '2026-12-01 12:00:00,000 [main] INFO  c.d.c.t.TopologyManager:participant2 - something else',
    `2026-12-01 12:00:01,000 [main] WARN  c.d.c.t.TopologyManager:participant2 - TOPOLOGY_UNAUTHORIZED_TRANSACTION(5,5d1e0c9b): Topology transaction is missing authorizations by namespaces=Set(${exp}) and keys=Set() tid:5d1e0c9b8a7f6e5d4c3b2a1908f7e6d5`,
  ].join('\n');
  test('the redacted console message is matched to its log line by the request id', () => {
    expect(alarmLine(log, console)).toContain('TOPOLOGY_UNAUTHORIZED_TRANSACTION(5,5d1e0c9b)');
    expect(alarmLine(log, 'no redaction here')).toBeUndefined();
    expect(alarmLine(log.replace(/5d1e0c9b/g, '00000000'), console)).toBeUndefined();
  });
  test.each([
    [`TOPOLOGY_UNAUTHORIZED_TRANSACTION(5,5d1e0c9b): Topology transaction is missing authorizations by namespaces=Set(${exp}) and keys=Set()`, /the namespace key 1220(ab){32} did not sign .*the signature was by 1220(cd){32}/],
    ['TOPOLOGY_INVALID_TX_SIGNATURE(5,0a1b2c3d): Transaction signature verification failed', /does not verify with key 1220(ab){32}/],
    ['TOPOLOGY_MULTI_TRANSACTION_HASH_MISMATCH(9,1b2c3d4e): The given transaction hash set …', /covers other transactions/],
  ])('%s', (line, re) => expect(explainExternalRefusal(line, exp, by)?.message).toMatch(re));
  test('other failures are left alone', () => expect(explainExternalRefusal('TOPOLOGY_SERIAL_MISMATCH(9,aa): …', exp, by)).toBeUndefined());
});

describe('an external party record is current unless its memory-storage participant restarted since', () => {
  const t = { participants: [{ name: 'mem', storage: { type: 'memory' } }, { name: 'pg', storage: { type: 'postgres' } }] } as unknown as Parameters<typeof externalRecordCurrent>[0];
  const st = { canton: { startedAt: 'now' } } as Parameters<typeof externalRecordCurrent>[1];
  test.each([
    ['memory, allocated under this daemon start', 'mem', 'now', true],
    ['memory, allocated under an earlier start', 'mem', 'before', false],
    ['memory, a record from before canton-mpc kept the start', 'mem', undefined, false],
    ['postgres keeps it across restarts', 'pg', 'before', true],
  ] as const)('%s', (_n, participant, daemonStartedAt, want) => {
    expect(externalRecordCurrent(t, st, { participant, ...(daemonStartedAt ? { daemonStartedAt } : {}) })).toBe(want);
  });
});
