// External parties (their namespace key lives outside Canton), node side. Rules from Canton 3.4
// (release-line-3.4 a904e34); hashing and signatures in external-crypto.ts:
//  - allocation over the Ledger API: POST /v2/parties/external/generate-topology builds ONE
//    PartyToParticipant (serial 1, Replace) in the namespace of the key's fingerprint, with the key as
//    party signing key (threshold 1); the local participant confirms (or observes with
//    localParticipantObservationOnly), `otherConfirmingParticipantUids` confirm, `observingParticipantUids`
//    observe; the threshold defaults to the number of confirmers; it answers the serialized transactions and
//    their multi-hash (ApiPartyManagementService.generateExternalPartyTopology, ledger-api-core
//    .../apiserver/services/admin/ApiPartyManagementService.scala:937-1085). /allocate takes them back with
//    the key's signature over the multi-hash (allocateExternalParty, :835-935); an external party is never
//    hosted with Submission (ExternalPartyOnboardingDetails.scala:53-59);
//  - party-side authorization of a later hosting change is a signature by the namespace key over the
//    proposal's hash, added with `addSingleSignature` and loaded with `topology.transactions.load`
//    (TopologyAdministrationGroup.scala:349-362; SignedTopologyTransaction.scala:126); a transaction already
//    in the store with the same signers is ignored (TopologyManager.add, TopologyManager.scala:827-852);
//  - a signature that does not verify: TOPOLOGY_INVALID_TX_SIGNATURE "Transaction signature verification
//    failed" (TopologyTransactionAuthorizationValidator.validateSignatures → SignatureCheckFailed,
//    TopologyManagerError.scala:209-214); a required namespace without a signature:
//    TOPOLOGY_UNAUTHORIZED_TRANSACTION "Topology transaction is missing authorizations by namespaces=… and
//    keys=…" (TopologyManagerError.scala:330-345). Both are alarms (ErrorCategory.SecurityAlert, 5, with
//    redactDetails): the client only sees "INVALID_ARGUMENT/An error occurred. Please contact the operator
//    and inquire about the request <id> with tid <tid>" (BaseError.RedactedMessage) and the node logs the
//    code and cause.
// Emulator approximation: `load` of a signature by a key that authorizes nothing required is refused with
// the missing-authorization alarm at once (Canton would keep the transaction as a proposal that never
// becomes effective); it never accepts what Canton refuses.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Env } from './env.js';
import { CantonError } from './errors.js';
import { ED25519_SPKI_PREFIX, fingerprintOf, multiHash, rawEd25519, txHash, verifyEd25519 } from './external-crypto.js';
import { log } from './log.js';
import type { HostingParticipant, ParticipantDoc, PartyToParticipant, Permission, SynchronizerTopology } from './state.js';
import { isAuthorized, namespaceOf, requiredAuth } from './topology.js';

const TOPOLOGY_LOGGER = 'c.d.c.t.TopologyManager';

/** An alarm as Canton reports it: details in the node's log, a redacted message to the client. */
export class RedactedError extends CantonError {
  constructor(code: string, cause: string, node: string) {
    super(code, 5, cause);
    const corr = randomBytes(16).toString('hex');
    log('WARN', `${TOPOLOGY_LOGGER}:${node}`, `${code}(5,${corr.slice(0, 8)}): ${cause} tid:${corr}`);
    this.message = `INVALID_ARGUMENT/An error occurred. Please contact the operator and inquire about the request ${corr} with tid ${corr}`;
  }
  // ErrorCategory.SecurityAlert maps to gRPC INVALID_ARGUMENT (ErrorCategory.scala:196-204).
  override get grpc(): number { return 3; }
  override toJson() {
    return { ...super.toJson(), code: 'INVALID_ARGUMENT', cause: this.message };
  }
}

export interface TxSignature { signedBy: string; signature: string /* base64 */ }
/** The emulator's serialized PartyToParticipant transaction (see external-crypto.ts for why JSON). */
interface TxBody { op: 'Replace'; serial: number; mapping: { code: 'PartyToParticipant'; party: string; threshold: number; participants: HostingParticipant[]; signingKeys: string[] } }

export function txBytes(m: PartyToParticipant): Buffer {
  const body: TxBody = { op: 'Replace', serial: m.serial, mapping: { code: 'PartyToParticipant', party: m.party, threshold: m.threshold, participants: m.participants.map((h) => ({ participantUid: h.participantUid, permission: h.permission, onboarding: h.onboarding })), signingKeys: m.signingKeys ?? [] } };
  return Buffer.from(JSON.stringify(body));
}
export const mappingHash = (m: PartyToParticipant): string => txHash(txBytes(m)).toString('hex');
/** What a proposal returns to the console: its serialization and hash (SignedTopologyTransaction). */
export const txView = (m: PartyToParticipant): { tx: string; hash: string; signedBy: string[] } => ({ tx: txBytes(m).toString('base64'), hash: mappingHash(m), signedBy: [...(m.signedBy ?? [])] });

function parseTx(b64: string): PartyToParticipant {
  try {
    const t = JSON.parse(Buffer.from(b64, 'base64').toString('utf8')) as TxBody;
    if (t.op !== 'Replace' || t.mapping?.code !== 'PartyToParticipant') throw new Error('unsupported');
    return { party: t.mapping.party, threshold: t.mapping.threshold, participants: t.mapping.participants, serial: t.serial, signingKeys: t.mapping.signingKeys, signedBy: [] };
  } catch {
    throw new CantonError('PROTO_DESERIALIZATION_FAILURE', 8, 'Deserialization of protobuf message failed: not a topology transaction this emulator wrote');
  }
}

const publicKeys = (t: SynchronizerTopology): Record<string, string> => (t.externalKeys ??= {});

/** A key pair whose private half is thrown away: an external party nobody here can sign for (test hook). */
export function newOrphanExternalKey(topo: SynchronizerTopology): string {
  const spki = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const fp = fingerprintOf(spki);
  publicKeys(topo)[fp] = spki.toString('base64');
  return fp;
}

/** Verify `sigs` over `message`; returns the namespaces (key fingerprints) that validly signed. */
function checkSignatures(node: string, keys: Record<string, string>, required: string[], message: Buffer, sigs: TxSignature[]): string[] {
  const ok: string[] = [];
  for (const s of sigs) {
    const spki = keys[s.signedBy];
    if (!spki) continue;
    if (!verifyEd25519(Buffer.from(spki, 'base64'), message, Buffer.from(s.signature, 'base64'))) {
      throw new RedactedError('TOPOLOGY_INVALID_TX_SIGNATURE', `Transaction signature verification failed: InvalidSignature(signature = Signature(signedBy = ${s.signedBy}), message = the signature does not verify over hash ${message.toString('hex')} with key ${s.signedBy})`, node);
    }
    ok.push(s.signedBy);
  }
  const missing = required.filter((ns) => !ok.includes(ns));
  if (missing.length > 0) {
    throw new RedactedError('TOPOLOGY_UNAUTHORIZED_TRANSACTION', `Topology transaction is missing authorizations by namespaces=Set(${missing.join(', ')}) and keys=Set()`, node);
  }
  return ok;
}

function connectedTopo(env: Env, p: ParticipantDoc, synchronizer: string): SynchronizerTopology {
  const t = env.connectedTopologies(p).find((x) => x.synchronizerId === synchronizer || x.physicalId === synchronizer);
  if (!t) throw new CantonError('INVALID_ARGUMENT', 8, `The submitted request has invalid arguments: Unknown or not connected synchronizer ${synchronizer}`);
  return t;
}

export interface GenerateRequest {
  synchronizer: string; partyHint: string; publicKey?: { format?: string; keyData?: string; keySpec?: string };
  localParticipantObservationOnly?: boolean; otherConfirmingParticipantUids?: string[]; confirmationThreshold?: number; observingParticipantUids?: string[];
}

export function generateTopology(env: Env, p: ParticipantDoc, r: GenerateRequest) {
  const invalid = (m: string) => new CantonError('INVALID_ARGUMENT', 8, `The submitted request has invalid arguments: ${m}`);
  const k = r.publicKey;
  if (!k?.keyData) throw invalid('publicKey: Missing field');
  if (k.format !== 'CRYPTO_KEY_FORMAT_DER_X509_SUBJECT_PUBLIC_KEY_INFO' || k.keySpec !== 'SIGNING_KEY_SPEC_EC_CURVE25519') throw invalid(`publicKey: unsupported format ${k.format} / key spec ${k.keySpec} (this emulator knows Ed25519 SPKI keys)`);
  const spki = Buffer.from(k.keyData, 'base64');
  if (!rawEd25519(spki)) throw invalid(`publicKey: Failed to parse the key: not an X.509 SubjectPublicKeyInfo starting ${ED25519_SPKI_PREFIX.toString('hex')}`);
  const topo = connectedTopo(env, p, r.synchronizer);
  const fp = fingerprintOf(spki);
  if (!/^[A-Za-z0-9_\- ]{1,185}$/.test(r.partyHint)) throw invalid(`Invalid unique identifier ${r.partyHint}::${fp}`);
  const others = r.otherConfirmingParticipantUids ?? [];
  const observers = r.observingParticipantUids ?? [];
  if (others.includes(p.uid)) throw invalid(`This participant node (${p.uid}) is also listed in 'otherConfirmingParticipantUids'. By sending the request to this node, it is de facto a hosting node and must not be listed in 'otherConfirmingParticipantUids'.`);
  const confirmers = (r.localParticipantObservationOnly ? 0 : 1) + others.length;
  const threshold = r.confirmationThreshold && r.confirmationThreshold > 0 ? r.confirmationThreshold : confirmers;
  if (threshold > confirmers) throw invalid('Confirmation threshold exceeds number of confirming participants');
  const local: Permission = r.localParticipantObservationOnly ? 'Observation' : 'Confirmation';
  const mapping: PartyToParticipant = {
    party: `${r.partyHint}::${fp}`, threshold, serial: 1, signingKeys: [fp],
    participants: [{ participantUid: p.uid, permission: local, onboarding: false }, ...others.map((u) => ({ participantUid: u.replace(/^PAR::/, ''), permission: 'Confirmation' as Permission, onboarding: false })), ...observers.map((u) => ({ participantUid: u.replace(/^PAR::/, ''), permission: 'Observation' as Permission, onboarding: false }))],
  };
  // The key travels in the mapping (partySigningKeysWithThreshold); the emulator keeps it by fingerprint.
  publicKeys(topo)[fp] = spki.toString('base64');
  const tx = txBytes(mapping);
  return { partyId: mapping.party, publicKeyFingerprint: fp, topologyTransactions: [tx.toString('base64')], multiHash: multiHash([txHash(tx)]).toString('base64') };
}

export interface AllocateRequest { synchronizer: string; onboardingTransactions?: Array<{ transaction: string; signatures?: Array<{ signedBy: string; signature: string }> }>; multiHashSignatures?: Array<{ signedBy: string; signature: string; format?: string; signingAlgorithmSpec?: string }> }

export function allocateExternal(env: Env, p: ParticipantDoc, r: AllocateRequest): string {
  const topo = connectedTopo(env, p, r.synchronizer);
  const txs = (r.onboardingTransactions ?? []).map((t) => ({ m: parseTx(t.transaction), bytes: Buffer.from(t.transaction, 'base64'), sigs: t.signatures ?? [] }));
  if (txs.length === 0) throw new CantonError('INVALID_FIELD', 8, 'The submitted command has a field with invalid value: Invalid field onboarding_transactions.transactions: Transactions field is empty');
  const p2p = txs[0]!.m;
  if (p2p.participants.some((h) => h.permission === 'Submission')) throw new CantonError('INVALID_ARGUMENT', 8, 'The submitted request has invalid arguments: External party cannot be hosted with Submission permission');
  if (topo.partyToParticipant[p2p.party]) throw new CantonError('INVALID_ARGUMENT', 8, `The submitted request has invalid arguments: Party already exists: party ${p2p.party} is already allocated on this node`);
  const combined = multiHash(txs.map((t) => txHash(t.bytes)));
  const ns = namespaceOf(p2p.party);
  const keys = publicKeys(topo);
  const signed = new Set<string>();
  for (const t of txs) for (const s of checkSignatures(p.name, keys, [], txHash(t.bytes), t.sigs)) signed.add(s);
  for (const s of checkSignatures(p.name, keys, signed.has(ns) ? [] : [ns], combined, r.multiHashSignatures ?? [])) signed.add(s);
  const prop: PartyToParticipant = { ...p2p, signedBy: [...signed, p.namespace] };
  settle(env, topo, undefined, prop);
  p.parties[p2p.party] ??= { party: p2p.party, annotations: {}, resourceVersion: 0, identityProviderId: '' };
  return p2p.party;
}

/** A proposal becomes the mapping once authorized; otherwise it waits among the proposals. */
function settle(env: Env, topo: SynchronizerTopology, prev: PartyToParticipant | undefined, prop: PartyToParticipant): boolean {
  const proposals = (topo.p2pProposals ??= {});
  const list = (proposals[prop.party] ??= []);
  if (!isAuthorized(topo, requiredAuth(prev, prop), prop.signedBy ?? [])) {
    if (!list.includes(prop)) list.push(prop);
    return false;
  }
  topo.partyToParticipant[prop.party] = prop;
  proposals[prop.party] = list.filter((x) => x.serial > prop.serial);
  if (proposals[prop.party]!.length === 0) delete proposals[prop.party];
  const touched = new Set([...(prev?.participants ?? []), ...prop.participants].map((h) => h.participantUid));
  for (const q of env.participants()) if (touched.has(q.uid)) q.offset += 1;
  return true;
}

/** `topology.transactions.load`: signed transactions into a synchronizer store, signatures verified. */
export function loadTransactions(env: Env, p: ParticipantDoc, topo: SynchronizerTopology, txs: Array<{ tx: string; signatures: TxSignature[] }>): void {
  for (const t of txs) {
    const bytes = Buffer.from(t.tx, 'base64');
    const hash = txHash(bytes);
    const parsed = parseTx(t.tx);
    const current = topo.partyToParticipant[parsed.party];
    if (current && mappingHash(current) === hash.toString('hex')) continue; // already effective: ignored
    const list = topo.p2pProposals?.[parsed.party] ?? [];
    const prop = list.find((x) => mappingHash(x) === hash.toString('hex'));
    const next = (current?.serial ?? 0) + 1;
    if (!prop && parsed.serial !== next) throw new CantonError('TOPOLOGY_SERIAL_MISMATCH', 9, `The given serial Some(${parsed.serial}) did not match the actual serial Some(${next}).`);
    const target = prop ?? parsed;
    const keys = { ...publicKeys(topo) };
    // The party's own namespace is what an external signature must provide: name it when it is missing.
    const ns = namespaceOf(target.party);
    const needsParty = (target.signingKeys ?? []).includes(ns) && !(target.signedBy ?? []).includes(ns);
    const valid = checkSignatures(p.name, keys, needsParty ? [ns] : [], hash, t.signatures);
    target.signedBy = [...new Set([...(target.signedBy ?? []), ...valid])];
    settle(env, topo, current, target);
  }
}
