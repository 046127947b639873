/**
 * X.509 generation in-process (no openssl): a 10-year CA, per-node server certificates with SANs,
 * client certificates for mTLS, and the self-signed certificate that carries the JWT signing key.
 * Keys are made by Node's WebCrypto and exported as unencrypted PKCS8 PEM (what Canton's
 * `private-key-file` reads, FACTS §2.6). `@peculiar/x509` needs a Reflect polyfill, hence the import.
 * Reading certificates back (expiry, SANs, issuer) uses Node's own X509Certificate: see inspect.ts.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const DAY_MS = 86_400_000;
export const CA_VALIDITY_DAYS = 3650;
/** Server and client certificates: 397 days, the longest lifetime browsers accept. */
export const LEAF_VALIDITY_DAYS = 397;
/** Backdated a little so a node whose clock is slightly behind accepts a fresh certificate. */
const NOT_BEFORE_SKEW_MS = 5 * 60_000;

export type KeyAlg = 'ES256' | 'RS256';

const EC: webcrypto.EcKeyGenParams & webcrypto.EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const RSA: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };

export interface Issued {
  certPem: string;
  keyPem: string;
}

export interface Issuer {
  cert: x509.X509Certificate;
  key: CryptoKey;
  pem: string;
}

async function keyPair(alg: KeyAlg): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg === 'RS256' ? RSA : EC, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function pkcs8Pem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

function serial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f; // positive
  return Buffer.from(b).toString('hex');
}

function validity(now: Date, days: number) {
  return { notBefore: new Date(now.getTime() - NOT_BEFORE_SKEW_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** Escape a value for an X.500 name string (RFC 4514). */
function cn(value: string): string {
  return `CN=${value.replace(/([,+"\\<>;=])/g, '\\$1')}`;
}

export async function createCa(name: string, now = new Date()): Promise<Issued> {
  const keys = await keyPair('ES256');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: cn(name),
    keys,
    signingAlgorithm: EC,
    ...validity(now, CA_VALIDITY_DAYS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await pkcs8Pem(keys.privateKey) };
}

export async function loadIssuer(certPem: string, keyPem: string): Promise<Issuer> {
  const cert = new x509.X509Certificate(certPem);
  const der = x509.PemConverter.decodeFirst(keyPem);
  const key = await webcrypto.subtle.importKey('pkcs8', der, EC, false, ['sign']);
  return { cert, key, pem: certPem };
}

/** SAN entries: IP literals as iPAddress, everything else as dNSName. */
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

/**
 * A leaf certificate signed by the CA. `server`: serverAuth + clientAuth and the SANs (a node is
 * also a client of other nodes); `client`: clientAuth only. The PEM returned is the chain (leaf,
 * then CA), as Canton's `cert-chain-file` expects.
 */
export async function issueLeaf(ca: Issuer, o: { name: string; kind: 'server' | 'client'; hosts?: string[] }, now = new Date()): Promise<Issued> {
  const keys = await keyPair('ES256');
  const usages = o.kind === 'server' ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth] : [x509.ExtendedKeyUsage.clientAuth];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
  ];
  const sans = subjectAltNames(o.hosts ?? []);
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: cn(o.name),
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: EC,
    ...validity(now, LEAF_VALIDITY_DAYS),
    extensions,
  });
  return { certPem: `${cert.toString('pem')}\n${ca.pem.trimEnd()}\n`, keyPem: await pkcs8Pem(keys.privateKey) };
}

/** The JWT signing key and the self-signed certificate Canton's `jwt-*-crt` auth service reads. */
export async function createSigningCertificate(alg: KeyAlg, name: string, now = new Date()): Promise<Issued> {
  const keys = await keyPair(alg);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: cn(name),
    keys,
    signingAlgorithm: alg === 'RS256' ? RSA : EC,
    ...validity(now, CA_VALIDITY_DAYS),
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await pkcs8Pem(keys.privateKey) };
}
