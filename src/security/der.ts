/**
 * The few DER encodings an X.509 v3 certificate needs (ITU-T X.690), so certificates are made with
 * Node's own crypto: no ASN.1 library to load (it cost ~200 ms per `up`).
 */
export type Der = Buffer;

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Der {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

export const seq = (...items: Der[]): Der => tlv(0x30, Buffer.concat(items));
export const set = (...items: Der[]): Der => tlv(0x31, Buffer.concat(items));
export const octets = (b: Buffer): Der => tlv(0x04, b);
export const bool = (v: boolean): Der => tlv(0x01, Buffer.from([v ? 0xff : 0]));
export const utf8 = (s: string): Der => tlv(0x0c, Buffer.from(s, 'utf8'));
/** Context-specific tag `n`: constructed (explicit) or primitive (implicit). */
export const ctx = (n: number, content: Buffer, constructed = true): Der => tlv((constructed ? 0xa0 : 0x80) | n, content);

/** A non-negative INTEGER from big-endian bytes (a leading 0 keeps it positive). */
export function uint(bytes: Buffer | number): Der {
  let b = typeof bytes === 'number' ? Buffer.from([bytes]) : bytes;
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  return tlv(0x02, b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

export function oid(dotted: string): Der {
  const parts = dotted.split('.').map(Number);
  const out = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** BIT STRING with no unused bits. */
export const bits = (b: Buffer): Der => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));

/** KeyUsage-style BIT STRING from bit numbers (bit 0 is the most significant), minimal length (X.690 11.2.2). */
export function namedBits(bitNumbers: number[]): Der {
  const max = Math.max(...bitNumbers);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const n of bitNumbers) bytes[Math.floor(n / 8)]! |= 0x80 >> (n % 8);
  return tlv(0x03, Buffer.concat([Buffer.from([7 - (max % 8)]), bytes]));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function time(d: Date): Der {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

export function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
