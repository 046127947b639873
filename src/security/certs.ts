/**
 * X.509 generation in-process with Node's crypto (no openssl, no ASN.1 library): a 10-year CA,
 * per-node server certificates with SANs, client certificates for mTLS, and the self-signed
 * certificate that carries the JWT signing key. Keys are exported as unencrypted PKCS8 PEM (what
 * Canton's `private-key-file` reads, FACTS §2.6). The DER follows RFC 5280; `openssl verify`
 * checks every certificate in the tests.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bits, bool, ctx, namedBits, octets, oid, pem, seq, set, time, uint, utf8, type Der } from './der.js';

const DAY_MS = 86_400_000;
export const CA_VALIDITY_DAYS = 3650;
/** Server and client certificates: 397 days, the longest lifetime browsers accept. */
export const LEAF_VALIDITY_DAYS = 397;
/** Backdated a little so a node whose clock is slightly behind accepts a fresh certificate. */
const NOT_BEFORE_SKEW_MS = 5 * 60_000;

export type KeyAlg = 'ES256' | 'RS256';

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface Issuer {
  name: Der;
  key: KeyObject;
  keyId: Buffer;
  pem: string;
}

const OID = {
  ecdsaSha256: '1.2.840.10045.4.3.2',
  rsaSha256: '1.2.840.113549.1.1.11',
  cn: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};
/** KeyUsage bit numbers (RFC 5280 4.2.1.3). */
const KU = { digitalSignature: 0, keyEncipherment: 2, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 };

function keyPair(alg: KeyAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  return alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

const name = (cn: string): Der => seq(set(seq(oid(OID.cn), utf8(cn))));
const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });
/** Subject key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1). */
function keyId(k: KeyObject): Buffer {
  const der = spki(k);
  // The BIT STRING is the SPKI's last element; hashing the whole SPKI is also unique, and simpler.
  return createHash('sha1').update(der).digest();
}
const ext = (id: string, critical: boolean, value: Der): Der => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function sanEntries(hosts: string[]): Der[] {
  return subjectAltNames(hosts).map((h) => {
    if (h.type === 'dns') return ctx(2, Buffer.from(h.value, 'ascii'), false);
    const v = h.value;
    const bytes = isIP(v) === 4 ? Buffer.from(v.split('.').map(Number)) : ipv6Bytes(v);
    return ctx(7, bytes, false);
  });
}

function ipv6Bytes(v: string): Buffer {
  const [head, tail] = v.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.flatMap((g) => { const n = parseInt(g || '0', 16); return [n >> 8, n & 0xff]; }));
}

/** SAN entries: IP literals as iPAddress, everything else as dNSName; wildcard addresses dropped. */
export function subjectAltNames(hosts: string[]): Array<{ type: 'dns' | 'ip'; value: string }> {
  const seen = new Set<string>();
  const out: Array<{ type: 'dns' | 'ip'; value: string }> = [];
  for (const raw of hosts) {
    const h = raw.replace(/^\[|\]$/g, '');
    if (!h || seen.has(h) || h === '0.0.0.0' || h === '::') continue;
    seen.add(h);
    out.push({ type: isIP(h) ? 'ip' : 'dns', value: h });
  }
  return out;
}

function certificate(o: { subject: Der; issuer: Der; subjectKey: KeyObject; signer: KeyObject; now: Date; days: number; extensions: Der[] }): string {
  const rsa = o.signer.asymmetricKeyType === 'rsa';
  const sigAlg = rsa ? seq(oid(OID.rsaSha256), Buffer.from([0x05, 0x00])) : seq(oid(OID.ecdsaSha256));
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const tbs = seq(
    ctx(0, uint(2)), // v3
    uint(serial),
    sigAlg,
    o.issuer,
    seq(time(new Date(o.now.getTime() - NOT_BEFORE_SKEW_MS)), time(new Date(o.now.getTime() + o.days * DAY_MS))),
    o.subject,
    spki(o.subjectKey),
    ctx(3, seq(...o.extensions)),
  );
  const signature = sign('sha256', tbs, o.signer); // DER-encoded ECDSA signature, or PKCS#1 v1.5
  return pem('CERTIFICATE', seq(tbs, sigAlg, bits(signature)));
}

const keyPem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }) as string;

/** A fresh key pair and its self-signed certificate (the CA, the JWT signing certificate). */
function selfSigned(alg: KeyAlg, cn: string, now: Date, extensions: (publicKey: KeyObject) => Der[]): Issued {
  const k = keyPair(alg);
  const certPem = certificate({ subject: name(cn), issuer: name(cn), subjectKey: k.publicKey, signer: k.privateKey, now, days: CA_VALIDITY_DAYS, extensions: extensions(k.publicKey) });
  return { certPem, keyPem: keyPem(k.privateKey) };
}

export async function createCa(cn: string, now = new Date()): Promise<Issued> {
  return selfSigned('ES256', cn, now, (pub) => [
    ext(OID.basicConstraints, true, seq(bool(true), uint(0))),
    ext(OID.keyUsage, true, namedBits([KU.keyCertSign, KU.cRLSign])),
    ext(OID.subjectKeyId, false, octets(keyId(pub))),
  ]);
}

export async function loadIssuer(certPem: string, caKeyPem: string): Promise<Issuer> {
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(caKeyPem);
  // The CA's subject, as DER, is the leaves' issuer: take it from the certificate itself.
  const der = cert.raw;
  return { name: issuerSubjectDer(der), key, keyId: keyId(cert.publicKey), pem: certPem };
}

/** The subject Name of a DER certificate (TBSCertificate's sixth element). */
function issuerSubjectDer(der: Buffer): Der {
  const read = (b: Buffer, at: number): { start: number; end: number; next: number } => {
    let len = b[at + 1]!;
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[at + 2 + i]!;
      hdr += n;
    }
    return { start: at, end: at + hdr + len, next: at + hdr };
  };
  const certSeq = read(der, 0);
  const tbs = read(der, certSeq.next);
  let at = tbs.next;
  const fields: Array<{ start: number; end: number }> = [];
  while (at < tbs.end && fields.length < 6) {
    const f = read(der, at);
    fields.push(f);
    at = f.end;
  }
  // [0] version, serial, signature, issuer, validity, subject
  const subject = fields[5]!;
  return der.subarray(subject.start, subject.end);
}

/**
 * A leaf certificate signed by the CA. `server`: serverAuth + clientAuth and the SANs (a node is
 * also a client of other nodes); `client`: clientAuth only. The PEM returned is the chain (leaf,
 * then CA), as Canton's `cert-chain-file` expects.
 */
export async function issueLeaf(ca: Issuer, o: { name: string; kind: 'server' | 'client'; hosts?: string[] }, now = new Date()): Promise<Issued> {
  const k = keyPair('ES256');
  const usages = o.kind === 'server' ? [OID.serverAuth, OID.clientAuth] : [OID.clientAuth];
  const extensions = [
    ext(OID.basicConstraints, true, seq()),
    ext(OID.keyUsage, true, namedBits([KU.digitalSignature, KU.keyAgreement])),
    ext(OID.extKeyUsage, false, seq(...usages.map(oid))),
    ext(OID.subjectKeyId, false, octets(keyId(k.publicKey))),
    ext(OID.authorityKeyId, false, seq(ctx(0, ca.keyId, false))),
  ];
  const sans = sanEntries(o.hosts ?? []);
  if (sans.length > 0) extensions.push(ext(OID.subjectAltName, false, seq(...sans)));
  const certPem = certificate({ subject: name(o.name), issuer: ca.name, subjectKey: k.publicKey, signer: ca.key, now, days: LEAF_VALIDITY_DAYS, extensions });
  return { certPem: `${certPem}${ca.pem.trimEnd()}\n`, keyPem: keyPem(k.privateKey) };
}

/** The JWT signing key and the self-signed certificate Canton's `jwt-*-crt` auth service reads. */
export async function createSigningCertificate(alg: KeyAlg, cn: string, now = new Date()): Promise<Issued> {
  return selfSigned(alg, cn, now, () => [ext(OID.basicConstraints, true, seq()), ext(OID.keyUsage, true, namedBits([KU.digitalSignature]))]);
}
