/**
 * When Canton refuses an external party's signature, say which key it expected and which signed.
 * Canton reports the two refusals as alarms (ErrorCategory.SecurityAlert, details redacted): the console
 * only prints "INVALID_ARGUMENT/An error occurred. Please contact the operator and inquire about the
 * request <id> with tid <tid>" (BaseError.RedactedMessage), and the participant's log holds the line
 * with the code, e.g.
 *   TOPOLOGY_UNAUTHORIZED_TRANSACTION(5,<id8>): Topology transaction is missing authorizations by namespaces=Set(1220…) and keys=Set()
 *   TOPOLOGY_INVALID_TX_SIGNATURE(5,<id8>): Transaction signature verification failed
 * (TopologyManagerError.scala UnauthorizedTransaction.Missing, InvalidSignatureError.Failure, a904e34).
 */
import { existsSync, readFileSync } from 'node:fs';
import { RemoteError } from '../errors.js';

const REDACTED = /inquire about the request (\S+) with tid (\S+)/;
const MISSING = /missing authorizations by namespaces=Set\(([^)]*)\)/;

/** The participant-log line of a redacted refusal, found by its request or trace id. */
export function alarmLine(logText: string, message: string): string | undefined {
  const m = REDACTED.exec(message);
  if (!m) return undefined;
  const [, request, tid] = m;
  const lines = logText.split('\n');
  return lines.reverse().find((l) => /\b(TOPOLOGY_[A-Z_]+)\(\d+,/.test(l) && (l.includes(`(5,${request!.slice(0, 8)})`) || l.includes(`tid:${tid}`) || l.includes(request!)));
}

export interface ExternalRefusal {
  code: string;
  message: string;
  hint: string;
}

/** Pure: the refusal explained with the expected key (the party's namespace) and the key that signed. */
export function explainExternalRefusal(text: string, expectedKey: string, signingKey: string): ExternalRefusal | undefined {
  const code = /\b(TOPOLOGY_UNAUTHORIZED_TRANSACTION|TOPOLOGY_INVALID_TX_SIGNATURE|TOPOLOGY_MULTI_TRANSACTION_HASH_MISMATCH)\(/.exec(text)?.[1];
  if (!code) return undefined;
  const missing = MISSING.exec(text)?.[1]?.split(/,\s*/).filter(Boolean) ?? [];
  const expected = missing.length ? missing.join(', ') : expectedKey;
  if (code === 'TOPOLOGY_UNAUTHORIZED_TRANSACTION') {
    return { code, message: `Canton refused the external party's authorization: the namespace key ${expected} did not sign (${code}); the signature was by ${signingKey}`, hint: `Sign proposal.hash with the key whose fingerprint is ${expected} (the party id's namespace), then run the same command again.` };
  }
  if (code === 'TOPOLOGY_INVALID_TX_SIGNATURE') {
    return { code, message: `Canton refused the external party's signature: it does not verify with key ${expected} (${code})`, hint: `The signature must be an Ed25519 signature by ${expected} over the bytes of proposal.hash; the signer used another key or other bytes. Run the same command again after fixing the signer.` };
  }
  return { code, message: `Canton refused the signature: it covers other transactions (${code})`, hint: 'Sign the hash of exactly the proposal canton-mpc wrote; run the same command again.' };
}

/** A console failure of the external branch, with the participant log consulted when Canton redacted it. */
export function externalFailure(e: unknown, logFile: string | undefined, expectedKey: string, signingKey: string): unknown {
  if (!(e instanceof Error)) return e;
  const log = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  const line = alarmLine(log, e.message) ?? e.message;
  const x = explainExternalRefusal(line, expectedKey, signingKey);
  if (!x) return e;
  return new RemoteError(x.message, { hint: x.hint, kind: 'external_authorization_failed', cause: e, data: { cantonError: x.code, expectedKey, signingKey, ...(line !== e.message ? { logLine: line.trim() } : {}) } });
}
