// Console members for external-party signatures, with Canton 3.4.11's names and parameter lists:
//  - `proposal.hash.hash.getCryptographicEvidence` (SignedTopologyTransaction → TxHash → Hash →
//    ByteString; crypto/Hash.scala:108), `proposal.addSingleSignature(signature)`
//    (topology/transaction/SignedTopologyTransaction.scala:126);
//  - `Signature.fromExternalSigning(format, signature, signedBy, signingAlgorithmSpec)` (crypto/Signing.scala:356),
//    `SignatureFormat.{Concat, Raw, Der}`, `SigningAlgorithmSpec.{Ed25519, EcDsaSha256, EcDsaSha384}`,
//    `Fingerprint.tryFromString` (crypto/CryptoKeys.scala) — imported into every console script
//    (ConsoleEnvironmentBinding.scala:34 `import com.digitalasset.canton.crypto._`);
//  - `topology.transactions.load(transactions, store, forceFlags, synchronize)` (TopologyAdministrationGroup.scala:349);
//  - the JDK and protobuf calls a script uses to move the hash and the signature through files:
//    java.nio.file.{Paths.get, Files.write, Files.readAllBytes, Files.exists}, ByteString.copyFrom / toByteArray.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { type Cmd, ConsoleRuntimeError, type Rt } from './api.js';
import { type V, type VO, enumV, is, opt, posint, show } from './values.js';
import { fingerprint } from './namespaces-api.js';

const fail = (m: string): never => { throw new ConsoleRuntimeError(m); };
const cmd = (params: string[], run: Cmd['run'], ret?: string): Cmd => ({ params, run, ret });
const prop = (run: Cmd['run'], ret?: string): Cmd => ({ run, ret });
const self = (v: V): string => String((v as VO).name);
const bytes = (hex: string): VO => ({ k: 'bytes', hex });
const hexOf = (v: V | undefined, what: string): string => (is(v ?? null, 'bytes') ? String((v as VO).hex) : fail(`type mismatch: expected ${what}, found ${show(v ?? null)}`));
const pathOf = (v: V | undefined): string => (is(v ?? null, 'path') ? String((v as VO).path) : is(v ?? null, 'file') ? String((v as VO).path) : fail(`type mismatch: expected java.nio.file.Path, found ${show(v ?? null)}`));
const enumOf = (v: V | undefined, type: string): string => (is(v ?? null, 'enum') && (v as VO).type === type ? String((v as VO).name) : fail(`type mismatch: expected ${type}, found ${show(v ?? null)}`));

type Sig = { signedBy: string; signature: string };
const STX_FORMAT = 'canton-emulator-signed-topology-transaction-1';
/** The console value of a SignedTopologyTransaction (what propose / propose_delta return). */
export function signedTx(r: { serial: number; tx?: string; hash?: string; signedBy?: string[] }): VO {
  return { k: 'stx', serial: r.serial, tx: r.tx ?? '', hash: r.hash ?? '', signedBy: r.signedBy ?? [], added: [] as Sig[] };
}

const enumTable = (type: string, names: string[]): Record<string, Cmd> => Object.fromEntries(names.map((n) => [n, prop(() => enumV(type, n), 'enum')]));

export const EXTERNAL_PARTICIPANT: Record<string, Cmd> = {
  'topology.transactions.load': cmd(['transactions', 'store', 'forceFlags?', 'synchronize?'], async (rt: Rt, s, a) => {
    const list = is(a.transactions ?? null, 'seq') ? ((a.transactions as VO).items as V[]) : fail(`type mismatch: expected Seq[GenericSignedTopologyTransaction], found ${show(a.transactions ?? null)}`);
    const txs = list.map((t) => (is(t, 'stx') ? { tx: String(t.tx), signatures: t.added as Sig[] } : fail(`type mismatch: expected SignedTopologyTransaction, found ${show(t)}`)));
    const store = is(a.store ?? null, 'sid') ? String((a.store as VO).id) : typeof a.store === 'string' ? a.store : fail(`type mismatch: expected a TopologyStoreId, found ${show(a.store ?? null)}`);
    await rt.host.rpc(self(s), 'participant.topology.transactions.load', { store, transactions: txs });
    return null;
  }),
};

export const EXTERNAL_KINDS: Record<string, Record<string, Cmd>> = {
  stx: {
    hash: prop((_rt, s) => ({ k: 'txhash', hex: String((s as VO).hash) }), 'txhash'),
    serial: prop((_rt, s) => posint(Number((s as VO).serial)), 'posint'),
    addSingleSignature: cmd(['signature'], (_rt, s, a) => {
      const sig = is(a.signature ?? null, 'sig') ? (a.signature as VO) : fail(`type mismatch: expected Signature, found ${show(a.signature ?? null)}`);
      const o = s as VO;
      return { ...o, added: [...(o.added as Sig[]), { signedBy: String(sig.signedBy), signature: Buffer.from(String(sig.hex), 'hex').toString('base64') }] };
    }, 'stx'),
    toString: prop((_rt, s) => `SignedTopologyTransaction(serial = ${String((s as VO).serial)}, hash = ${String((s as VO).hash)})`, 'string'),
    // HasProtocolVersionedWrapper.writeToFile: the emulator's serialization is the console value as JSON.
    writeToFile: cmd(['outputFile'], async (_rt, s, a) => { await writeFile(String(a.outputFile), JSON.stringify({ format: STX_FORMAT, ...(s as VO) })); return null; }),
  },
  either: {
    toOption: prop((_rt, s) => ('right' in (s as VO) ? opt((s as VO).right as V) : opt(undefined)), 'opt'),
    isRight: prop((_rt, s) => 'right' in (s as VO), 'boolean'),
    isLeft: prop((_rt, s) => !('right' in (s as VO)), 'boolean'),
  },
  txhash: { hash: prop((_rt, s) => ({ k: 'hash', hex: String((s as VO).hex) }), 'hash') },
  hash: {
    getCryptographicEvidence: prop((_rt, s) => bytes(String((s as VO).hex)), 'bytes'),
    toHexString: prop((_rt, s) => String((s as VO).hex), 'string'),
  },
  bytes: {
    toByteArray: prop((_rt, s) => s, 'bytes'),
    size: prop((_rt, s) => String((s as VO).hex).length / 2, 'number'),
    length: prop((_rt, s) => String((s as VO).hex).length / 2, 'number'),
  },
  sig: { signedBy: prop((_rt, s) => String((s as VO).signedBy), 'string') },
  path: { toString: prop((_rt, s) => String((s as VO).path), 'string') },
  'static:Signature': {
    fromExternalSigning: cmd(['format', 'signature', 'signedBy', 'signingAlgorithmSpec'], (_rt, _s, a) => {
      const format = enumOf(a.format, 'SignatureFormat');
      const algo = enumOf(a.signingAlgorithmSpec, 'SigningAlgorithmSpec');
      const by = is(a.signedBy ?? null, 'rec') && (a.signedBy as VO).type === 'Fingerprint' ? String(((a.signedBy as VO).f as Record<string, V>).unwrap) : fail(`type mismatch: expected Fingerprint, found ${show(a.signedBy ?? null)}`);
      return { k: 'sig', format, algo, signedBy: by, hex: hexOf(a.signature, 'com.google.protobuf.ByteString') };
    }, 'sig'),
  },
  'static:SignatureFormat': enumTable('SignatureFormat', ['Concat', 'Raw', 'Der', 'Symbolic']),
  'static:SigningAlgorithmSpec': enumTable('SigningAlgorithmSpec', ['Ed25519', 'EcDsaSha256', 'EcDsaSha384']),
  'static:Fingerprint': {
    // Fingerprint.fromProtoPrimitive: a valid UID part of at most 68 characters.
    tryFromString: cmd(['str'], (_rt, _s, a) => {
      const v = typeof a.str === 'string' ? a.str : fail(`type mismatch: expected String, found ${show(a.str ?? null)}`);
      // The same value namespaces-api.ts gives a key's fingerprint, so the two compare equal.
      return /^[A-Za-z0-9_-]{1,68}$/.test(v) ? fingerprint(v) : fail(`java.lang.IllegalArgumentException: Invalid fingerprint ${v}`);
    }, 'rec:Fingerprint'),
  },
  'static:com': {
    'google.protobuf.ByteString.copyFrom': cmd(['bytes'], (_rt, _s, a) => bytes(hexOf(a.bytes, 'Array[Byte]')), 'bytes'),
    // VersioningCompanion.readFromTrustedFilePVV: Either[String, SignedTopologyTransaction].
    'digitalasset.canton.topology.transaction.SignedTopologyTransaction.readFromTrustedFilePVV': cmd(['inputFile'], async (_rt, _s, a) => {
      const f = typeof a.inputFile === 'string' ? a.inputFile : fail(`type mismatch: expected String, found ${show(a.inputFile ?? null)}`);
      try {
        const v = JSON.parse(await readFile(f, 'utf8')) as VO & { format?: string };
        if (v.format !== STX_FORMAT || v.k !== 'stx') return { k: 'either', left: `Deserialization of protobuf message failed: ${f}` };
        delete v.format;
        return { k: 'either', right: v };
      } catch (e) {
        return { k: 'either', left: `Unable to read from ${f}: ${(e as Error).message}` };
      }
    }, 'either'),
  },
};

/** Members of `java` (the static) beyond `java.io.File`. */
export const JAVA_NIO: Record<string, Cmd> = {
  'nio.file.Paths.get': cmd(['first', '*more'], (_rt, _s, a) => ({ k: 'path', path: [String(a.first), ...((a.more as VO | undefined)?.items as V[] ?? []).map(String)].join('/') }), 'path'),
  'nio.file.Files.write': cmd(['path', 'bytes', '*options'], async (_rt, _s, a) => { const p = pathOf(a.path); await writeFile(p, Buffer.from(hexOf(a.bytes, 'Array[Byte]'), 'hex')); return { k: 'path', path: p }; }, 'path'),
  'nio.file.Files.readAllBytes': cmd(['path'], async (_rt, _s, a) => {
    const p = pathOf(a.path);
    try { return bytes((await readFile(p)).toString('hex')); } catch { return fail(`java.nio.file.NoSuchFileException: ${p}`); }
  }, 'bytes'),
  'nio.file.Files.exists': cmd(['path', '*options'], async (_rt, _s, a) => { try { await stat(pathOf(a.path)); return true; } catch { return false; } }, 'boolean'),
};
