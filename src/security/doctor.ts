/**
 * `doctor` checks of a secured topology: certificates about to expire (30 days ahead, so there is
 * time to `rotate-certs`) and token lifetimes beyond Canton's default max-token-lifetime. Warnings:
 * nothing here stops `up`.
 */
import type { Topology } from '../config/types.js';
import type { CheckResult } from '../doctor/checks.js';
import { allNodes } from '../config/topology.js';
import { CLIENT_NAMES, jwtPaths, tlsPaths } from './paths.js';
import { readCert } from './materials.js';
import { CANTON_DEFAULT_MAX_TOKEN_LIFETIME_MS } from './spec.js';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

function certFiles(t: Topology): string[] {
  const s = t.security;
  const files: string[] = [];
  if (s.jwt?.certificate) files.push(s.jwt.generated ? jwtPaths(s.secretsDir).certificate : s.jwt.certificate);
  if (s.tls?.generated) {
    const p = tlsPaths(s.secretsDir);
    files.push(p.ca.cert, ...allNodes(t).map((n) => p.node(n.name).cert), ...CLIENT_NAMES.map((c) => p.client(c).cert));
  } else if (s.tls) {
    files.push(s.tls.certChainFile!, ...(s.tls.clientCertChainFile ? [s.tls.clientCertChainFile] : []));
  }
  return files;
}

export async function checkCertificates(t: Topology, now = new Date()): Promise<CheckResult> {
  const base = { id: 'certificates', title: 'TLS and JWT certificates', required: false };
  if (t.security.mode === 'none') return { ...base, status: 'ok', detail: 'security: none (no certificates)' };
  const soon: string[] = [];
  let present = 0;
  for (const f of certFiles(t)) {
    const c = await readCert(f);
    if (!c) continue;
    present++;
    const days = Math.floor((c.notAfter.getTime() - now.getTime()) / DAY_MS);
    if (days < EXPIRY_WARNING_DAYS) soon.push(`${f}: ${days < 0 ? `expired ${-days} day(s) ago` : `expires in ${days} day(s)`} (${c.notAfter.toISOString().slice(0, 10)})`);
  }
  if (soon.length === 0) return { ...base, status: 'ok', detail: present ? `${present} certificate(s), none expiring within ${EXPIRY_WARNING_DAYS} days` : 'none generated yet (`canton-mpc up` makes them)' };
  return {
    ...base,
    status: 'warn',
    detail: soon.join('\n'),
    fix: t.security.tls?.generated ? 'run `canton-mpc rotate-certs` (keeps the CA), then `canton-mpc down && canton-mpc up`' : 'renew your certificates, then restart the topology',
    data: { expiring: soon },
  };
}

export function checkTokenLifetime(t: Topology): CheckResult {
  const base = { id: 'token-lifetime', title: 'JWT lifetimes', required: false };
  const jwt = t.security.jwt;
  if (!jwt) return { ...base, status: 'ok', detail: 'security: none (no tokens)' };
  const max = jwt.maxTokenLifetimeMs;
  if (max === undefined || max > CANTON_DEFAULT_MAX_TOKEN_LIFETIME_MS || jwt.tokenLifetimeMs > CANTON_DEFAULT_MAX_TOKEN_LIFETIME_MS) {
    return {
      ...base,
      status: 'warn',
      detail: `the participants accept tokens living ${max === undefined ? 'forever (max-token-lifetime Inf)' : `${Math.round(max / 1000)} s`} and canton-mpc mints ${Math.round(jwt.tokenLifetimeMs / 1000)} s tokens: beyond Canton's default max-token-lifetime of 5 minutes`,
      fix: 'remove auth.maxTokenLifetime / auth.tokenLifetime (a leaked token then lives at most 5 minutes)',
    };
  }
  return { ...base, status: 'ok', detail: `tokens live ${Math.round(jwt.tokenLifetimeMs / 1000)} s; the participants accept at most ${Math.round(max / 1000)} s` };
}
