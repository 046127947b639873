/**
 * The Ledger API calls that allocate an external party in Canton 3.4.11 (openapi.yaml; server side
 * ApiPartyManagementService.generateExternalPartyTopology / allocateExternalParty at a904e34):
 *   POST /v2/parties/external/generate-topology  the transactions to sign and their multi-hash
 *   POST /v2/parties/external/allocate           the transactions back with the key's signature
 *   GET  /v2/parties/{party}                     whether the participant knows the party
 *   GET  /v2/state/connected-synchronizers       the synchronizer id to allocate on
 * Through the one HTTP client (which adds the token when the API needs one). A failure names the
 * endpoint and Canton's error code.
 */
import { RemoteError } from '../errors.js';
import { httpRequest, type FetchLike } from '../system/http.js';

export const EXTERNAL_API_TIMEOUT_MS = 15_000;

export interface GeneratedTopology {
  partyId: string;
  publicKeyFingerprint: string;
  topologyTransactions: string[];
  multiHash: string;
}

export interface ExternalPartyApi {
  synchronizerId(): Promise<string>;
  /** The participant knows the party (and hosts it, with `isLocal`). */
  party(partyId: string): Promise<{ known: boolean; local: boolean }>;
  generateTopology(req: { synchronizer: string; partyHint: string; publicKeySpki: Buffer }): Promise<GeneratedTopology>;
  allocate(req: { synchronizer: string; transactions: string[]; signature: Buffer; signedBy: string }): Promise<string>;
}

export function createExternalPartyApi(baseUrl: string, signal?: AbortSignal, fetchImpl?: FetchLike): ExternalPartyApi {
  const base = baseUrl.replace(/\/$/, '');
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${base}${path}`;
    const r = await httpRequest(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: EXTERNAL_API_TIMEOUT_MS, signal }, fetchImpl);
    const text = await r.text();
    if (!r.ok) {
      let code: string | undefined;
      let cause = text.slice(0, 300);
      try {
        const j = JSON.parse(text) as { code?: string; cause?: string };
        code = j.code;
        cause = j.cause ?? cause;
      } catch {
        /* a plain-text error */
      }
      throw new RemoteError(`${method} ${path} answered ${r.status}${code ? ` ${code}` : ''}: ${cause}`, { where: `${method} ${url}`, kind: 'external_api_failed', data: { status: r.status, ...(code ? { cantonError: code } : {}) } });
    }
    return (text === '' ? {} : JSON.parse(text)) as T;
  }
  return {
    async synchronizerId() {
      const r = await call<{ connectedSynchronizers?: Array<{ synchronizerId: string }> }>('GET', '/v2/state/connected-synchronizers');
      const id = r.connectedSynchronizers?.[0]?.synchronizerId;
      if (!id) throw new RemoteError('the participant is not connected to any synchronizer', { where: `GET ${base}/v2/state/connected-synchronizers`, hint: 'Check `canton-mpc status`; `canton-mpc up` connects every participant.', kind: 'participant_not_connected' });
      return id;
    },
    async party(partyId) {
      const r = await call<{ partyDetails?: Array<{ party: string; isLocal: boolean }> }>('GET', `/v2/parties/${encodeURIComponent(partyId)}`);
      const d = r.partyDetails?.find((x) => x.party === partyId);
      return { known: d !== undefined, local: d?.isLocal === true };
    },
    generateTopology: (req) =>
      call<GeneratedTopology>('POST', '/v2/parties/external/generate-topology', {
        synchronizer: req.synchronizer,
        partyHint: req.partyHint,
        publicKey: { format: 'CRYPTO_KEY_FORMAT_DER_X509_SUBJECT_PUBLIC_KEY_INFO', keyData: req.publicKeySpki.toString('base64'), keySpec: 'SIGNING_KEY_SPEC_EC_CURVE25519' },
        localParticipantObservationOnly: false,
        confirmationThreshold: 0,
      }),
    async allocate(req) {
      const r = await call<{ partyId: string }>('POST', '/v2/parties/external/allocate', {
        synchronizer: req.synchronizer,
        identityProviderId: '',
        onboardingTransactions: req.transactions.map((transaction) => ({ transaction })),
        multiHashSignatures: [{ format: 'SIGNATURE_FORMAT_CONCAT', signature: req.signature.toString('base64'), signedBy: req.signedBy, signingAlgorithmSpec: 'SIGNING_ALGORITHM_SPEC_ED25519' }],
      });
      return r.partyId;
    },
  };
}
