/**
 * Compact JWS signing with Node's crypto (RFC 7515/7518): HS256, RS256, ES256, ES512. canton-mpc only
 * signs; Canton verifies. (jose would do the same but costs ~65 ms to load on every command.)
 */
import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';

export type JwsAlg = 'HS256' | 'RS256' | 'ES256' | 'ES512';
export type JwsKey = { alg: JwsAlg; key: KeyObject | Buffer };

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function importKey(alg: JwsAlg, material: string): JwsKey {
  if (alg === 'HS256') return { alg, key: Buffer.from(material, 'utf8') };
  return { alg, key: createPrivateKey(material) };
}

export function signJws(payload: Record<string, unknown>, k: JwsKey): string {
  const input = `${b64u(JSON.stringify({ alg: k.alg, typ: 'JWT' }))}.${b64u(JSON.stringify(payload))}`;
  let sig: Buffer;
  switch (k.alg) {
    case 'HS256':
      sig = createHmac('sha256', k.key as Buffer).update(input).digest();
      break;
    case 'RS256':
      sig = sign('sha256', Buffer.from(input), k.key as KeyObject);
      break;
    // JWS wants the raw r||s signature, not DER (RFC 7518 3.4).
    case 'ES256':
      sig = sign('sha256', Buffer.from(input), { key: k.key as KeyObject, dsaEncoding: 'ieee-p1363' });
      break;
    case 'ES512':
      sig = sign('sha512', Buffer.from(input), { key: k.key as KeyObject, dsaEncoding: 'ieee-p1363' });
      break;
  }
  return `${input}.${b64u(sig)}`;
}
