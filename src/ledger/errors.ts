import { ExitCode, RemoteError } from '../errors.js';

/** Canton's JSON API error body (`JsSchema.JsCantonError`). */
export interface JsCantonError {
  code: string;
  cause: string;
  correlationId?: string;
  traceId?: string;
  context?: Record<string, string>;
  errorCategory?: number;
  grpcCodeValue?: number;
  retryInfo?: string;
}

export function asCantonError(body: unknown): JsCantonError | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.code !== 'string' || typeof b.cause !== 'string') return undefined;
  return b as unknown as JsCantonError;
}

/** Fixes for the error codes a user of `up` / `users create` can actually act on. */
const HINTS: Record<string, string> = {
  USER_NOT_FOUND: 'Create the user first: `canton-mpc users create --participant P --user ID --party NAME`.',
  USER_ALREADY_EXISTS: 'The user exists; `canton-mpc users create` converges its rights instead of creating it again.',
  PARTY_NOT_KNOWN_ON_LEDGER: 'The party is not allocated on this participant: check `parties` in canton-mpc.yaml and `canton-mpc status`.',
  INVALID_ARGUMENT: 'A value sent to the Ledger API was rejected; check user ids and party ids in canton-mpc.yaml.',
  UNAUTHENTICATED:
    'The participant refused the token (missing, expired, meant for another participant, or signed by a key it does not trust). If the signing key, the certificates or `security` in canton-mpc.yaml changed since Canton started, run `canton-mpc down && canton-mpc up`; for your own calls, mint a fresh token with `canton-mpc token --user ID`.',
  PERMISSION_DENIED: 'The token\'s user lacks the rights for this call (user management and party listing need ParticipantAdmin): grant them with `users.<id>.participantAdmin: true`, or use a token of a user that has them.',
  TOO_MANY_USER_RIGHTS: 'The participant limits rights per user (`user-management-service.max-rights-per-user`).',
  // A right to act as a party is not enough: the submitting participant must host it with Submission.
  NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT:
    'This participant does not host every actAs party with Submission. Host the party here too, before it is used: `canton-mpc party replicate PARTY --to PARTICIPANT` (or `alsoHostedOn` in canton-mpc.yaml, which `up` applies).',
  UNKNOWN_SUBMITTERS: 'An actAs party is unknown on the synchronizers this participant is connected to: check the party id and `canton-mpc party status`.',
};

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** A failed Ledger API call as a RemoteError that names the endpoint, Canton's code and a fix. */
export function ledgerError(method: string, url: string, status: number, body: unknown): RemoteError {
  const err = asCantonError(body);
  const where = `${method} ${url}`;
  if (err) {
    return new RemoteError(`${where} failed with ${status} ${err.code}: ${err.cause}`, {
      where,
      hint: HINTS[err.code] ?? (isRetryableStatus(status) ? 'The participant is unhealthy; see `canton-mpc logs canton`.' : undefined),
      kind: 'ledger_api',
      exitCode: ExitCode.CANTON,
      data: { status, code: err.code, correlationId: err.correlationId, traceId: err.traceId },
    });
  }
  const text = typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body ?? '').slice(0, 300);
  return new RemoteError(`${where} failed with ${status}${text ? `: ${text}` : ''}`, {
    where,
    hint: isRetryableStatus(status) ? 'The participant is unhealthy; see `canton-mpc logs canton`.' : undefined,
    kind: 'ledger_api',
    data: { status },
  });
}

export class LedgerHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly remote: RemoteError,
  ) {
    super(remote.message);
    this.name = 'LedgerHttpError';
  }
  get code(): string | undefined {
    return asCantonError(this.body)?.code;
  }
}
