/**
 * The key material a secured topology needs on disk before Canton starts: the JWT signing key and
 * certificate, the CA, one server certificate per node and the mTLS client certificates. Observe
 * first (`missingMaterial`), then make only what is missing or no longer fits (`ensureMaterial`):
 * a re-run changes nothing, an interrupted run resumes. The CA is never replaced once made.
 */
import { X509Certificate } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import type { CantonNode, Topology } from '../config/types.js';
import { allNodes } from '../config/topology.js';
import { ensureDir, readTextIfExists, writeFileAtomic } from '../system/fs.js';
import { PrerequisiteError, UserError } from '../errors.js';
import { CLIENT_NAMES, jwtPaths, SECRET_FILE_MODE, SECRETS_DIR_MODE, tlsPaths, tokenPaths, type CertPair } from './paths.js';

const DAY_MS = 86_400_000;
/** A leaf certificate this close to expiry is renewed by `up` (doctor warns at 30 days). */
export const RENEW_BEFORE_DAYS = 7;

/** The names a node's server certificate must carry: its address, loopback, the configured extras. */
export function nodeHosts(n: CantonNode, extraHosts: string[]): string[] {
  const a = n.address.replace(/^\[|\]$/g, '');
  const wildcard = a === '0.0.0.0' || a === '::';
  return [...(wildcard ? [] : [a]), 'localhost', '127.0.0.1', '::1', ...extraHosts];
}

export interface CertInfo {
  path: string;
  subject: string;
  notAfter: Date;
  hosts: string[];
  cert: X509Certificate;
}

export async function readCert(path: string): Promise<CertInfo | undefined> {
  const pem = await readTextIfExists(path);
  if (!pem) return undefined;
  try {
    const cert = new X509Certificate(pem);
    const hosts = (cert.subjectAltName ?? '')
      .split(/,\s*/)
      .map((s) => s.replace(/^(DNS|IP Address):/, ''))
      .filter(Boolean);
    return { path, subject: cert.subject, notAfter: new Date(cert.validTo), hosts, cert };
  } catch {
    return undefined;
  }
}

/** Node prints IPv6 SANs as eight hex groups without leading zeros (`0:0:0:0:0:0:0:1`): compare in that form. */
function normHost(h: string): string {
  if (isIP(h) !== 6) return h.toLowerCase();
  const [head, tail] = h.toLowerCase().split('::') as [string, string | undefined];
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  const groups = tail === undefined ? a : [...a, ...Array(8 - a.length - b.length).fill('0'), ...b];
  return groups.map((g) => parseInt(g || '0', 16).toString(16)).join(':');
}

function sameHosts(have: string[], want: string[]): boolean {
  const norm = normHost;
  const a = new Set(have.map(norm));
  return want.every((h) => a.has(norm(h)));
}

/** What `ensureMaterial` would make or renew, as readable lines (empty: all in place). */
export async function missingMaterial(t: Topology, now = new Date()): Promise<string[]> {
  const s = t.security;
  const out: string[] = [];
  if (s.mode === 'none') return out;
  const exists = async (p: string) => (await readTextIfExists(p)) !== undefined;
  if (s.jwt?.generated) {
    const p = jwtPaths(s.secretsDir);
    if (!(await exists(p.key)) || !(await readCert(p.certificate))) out.push('JWT signing key and certificate');
  }
  // remote.conf includes the console's token file: it must exist (its tokens are refreshed per run).
  if (s.jwt && !(await exists(tokenPaths(s.secretsDir).console))) out.push('the console token file');
  if (s.tls?.generated) {
    const p = tlsPaths(s.secretsDir);
    const ca = await readCert(p.ca.cert);
    if (!ca || !(await exists(p.ca.key))) {
      out.push('the CA');
      return out;
    }
    const leafOk = async (pair: CertPair, hosts: string[]) => {
      const c = await readCert(pair.cert);
      if (!c || !(await exists(pair.key))) return false;
      if (!c.cert.checkIssued(ca.cert) || !c.cert.verify(ca.cert.publicKey)) return false;
      if (c.notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return false;
      return sameHosts(c.hosts, hosts);
    };
    for (const n of allNodes(t)) if (!(await leafOk(p.node(n.name), nodeHosts(n, s.tls.extraHosts)))) out.push(`the server certificate of ${n.name}`);
    for (const c of CLIENT_NAMES) if (!(await leafOk(p.client(c), []))) out.push(`the ${c} client certificate`);
  }
  return out;
}

async function writeSecret(path: string, data: string): Promise<void> {
  await ensureDir(dirname(path), SECRETS_DIR_MODE);
  await writeFileAtomic(path, data, SECRET_FILE_MODE);
}

/** Generates what is missing; `renewLeaves` (rotate-certs) reissues every leaf certificate, keeping the CA. */
export async function ensureMaterial(t: Topology, opts: { now?: Date; renewLeaves?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<string[]> {
  const s = t.security;
  const now = opts.now ?? new Date();
  if (s.mode === 'none') return [];
  await ensureDir(s.secretsDir, SECRETS_DIR_MODE);
  await checkOwnFiles(t, opts.env);
  const missing = opts.renewLeaves ? ['(all leaf certificates)'] : await missingMaterial(t, now);
  if (missing.length === 0) return [];
  const certs = await import('./certs.js');
  const made: string[] = [];
  if (s.jwt?.generated) {
    const p = jwtPaths(s.secretsDir);
    if (!(await readTextIfExists(p.key)) || !(await readCert(p.certificate))) {
      const k = await certs.createSigningCertificate(s.jwt.alg === 'RS256' ? 'RS256' : 'ES256', 'canton-mpc JWT signer', now);
      await writeSecret(p.key, k.keyPem);
      await writeSecret(p.certificate, k.certPem);
      made.push(p.certificate);
    }
  }
  if (s.tls?.generated) {
    const p = tlsPaths(s.secretsDir);
    let caCert = await readTextIfExists(p.ca.cert);
    let caKey = await readTextIfExists(p.ca.key);
    if (!caCert || !caKey) {
      const ca = await certs.createCa(`canton-mpc CA ${t.projectDir}`.slice(0, 60), now);
      // Key first: a crash between the two leaves no certificate without its key.
      await writeSecret(p.ca.key, ca.keyPem);
      await writeSecret(p.ca.cert, ca.certPem);
      caCert = ca.certPem;
      caKey = ca.keyPem;
      made.push(p.ca.cert);
    }
    const issuer = await certs.loadIssuer(caCert, caKey);
    const stale = opts.renewLeaves ? undefined : new Set(await missingMaterial(t, now));
    const issue = async (what: string, pair: CertPair, o: Parameters<typeof certs.issueLeaf>[1]) => {
      if (stale && !stale.has(what)) return;
      const leaf = await certs.issueLeaf(issuer, o, now);
      await writeSecret(pair.key, leaf.keyPem);
      await writeSecret(pair.cert, leaf.certPem);
      made.push(pair.cert);
    };
    for (const n of allNodes(t)) await issue(`the server certificate of ${n.name}`, p.node(n.name), { name: n.name, kind: 'server', hosts: nodeHosts(n, s.tls.extraHosts) });
    for (const c of CLIENT_NAMES) await issue(`the ${c} client certificate`, p.client(c), { name: c, kind: 'client' });
  }
  if (s.jwt && opts.env) {
    const { writeConsoleTokens } = await import('./console-tokens.js');
    const f = await writeConsoleTokens(t, opts.env, now.getTime());
    if (f) made.push(f);
  }
  return made;
}

/** Your own key files: present, and private keys not readable by group or others. */
export async function checkOwnFiles(t: Topology, env?: NodeJS.ProcessEnv): Promise<void> {
  const s = t.security;
  // Canton reads the HMAC secret from its environment (`secret = ${?VAR}`): without it, it would not start.
  if (env && s.jwt?.secretEnv && !env[s.jwt.secretEnv]) {
    throw new PrerequisiteError(`$${s.jwt.secretEnv} is not set (auth.secretEnv): Canton and canton-mpc need the HMAC secret`, { where: 'auth.secretEnv', hint: `export ${s.jwt.secretEnv}=<the shared secret>, then run canton-mpc up again` });
  }
  const files: Array<{ path: string; key: string; secret: boolean }> = [];
  if (s.jwt?.certificate && !s.jwt.generated) files.push({ path: s.jwt.certificate, key: 'auth.certificate', secret: false });
  if (s.jwt?.signingKey && !s.jwt.generated) files.push({ path: s.jwt.signingKey, key: 'auth.privateKeyFile', secret: true });
  if (s.tls && !s.tls.generated) {
    files.push({ path: s.tls.certChainFile!, key: 'tls.certChainFile', secret: false }, { path: s.tls.privateKeyFile!, key: 'tls.privateKeyFile', secret: true });
    files.push({ path: s.tls.trustCollectionFile, key: 'tls.trustCollectionFile', secret: false });
    if (s.tls.clientCertChainFile) files.push({ path: s.tls.clientCertChainFile, key: 'tls.clientCertChainFile', secret: false });
    if (s.tls.clientPrivateKeyFile) files.push({ path: s.tls.clientPrivateKeyFile, key: 'tls.clientPrivateKeyFile', secret: true });
  }
  for (const f of files) {
    let mode: number;
    try {
      mode = (await fsp.stat(f.path)).mode;
    } catch {
      throw new PrerequisiteError(`${f.key}: ${f.path} does not exist`, { where: f.key, hint: 'fix the path in canton-mpc.yaml (relative paths are relative to the config file)' });
    }
    if (f.secret && (mode & 0o077) !== 0) {
      throw new UserError(`${f.key}: ${f.path} is readable by group or others (mode ${(mode & 0o777).toString(8)})`, { where: f.path, hint: `chmod 600 ${f.path}` });
    }
  }
}
