// Canton error codes with their category and gRPC code, rendered as the JSON API's JsCantonError
// and mapped to HTTP statuses as GrpcHttpErrorCodes does (FACTS §4).
import { randomUUID } from 'node:crypto';
import type { v3_4 } from '@canton-network/core-ledger-client-types';

export type JsCantonError = v3_4.components['schemas']['JsCantonError'];

// gRPC code -> HTTP status
const HTTP: Record<number, number> = { 3: 400, 9: 400, 11: 400, 16: 401, 7: 403, 5: 404, 6: 409, 10: 409, 8: 429, 1: 499, 13: 500, 2: 500, 15: 500, 12: 501, 14: 503, 4: 504 };
// Canton ErrorCategory id -> gRPC code
const CATEGORY_GRPC: Record<number, number> = { 1: 14, 2: 10, 3: 4, 4: 13, 5: 2, 6: 16, 7: 7, 8: 3, 9: 9, 10: 6, 11: 5, 12: 11, 14: 12 };

export class CantonError extends Error {
  constructor(readonly code: string, readonly category: number, override readonly cause: string, readonly context: Record<string, string> = {}, readonly retryable = false) {
    super(`${code}(${category},0): ${cause}`);
  }
  get grpc(): number { return CATEGORY_GRPC[this.category] ?? 2; }
  httpStatus?: number; // for the few statuses the JSON layer sets itself (413)
  get status(): number { return this.httpStatus ?? HTTP[this.grpc] ?? 500; }
  toJson(): JsCantonError {
    const id = randomUUID().replace(/-/g, '');
    return {
      code: this.code, cause: this.cause, correlationId: id, traceId: id, context: { participant: '', ...this.context },
      resources: [], errorCategory: this.category, grpcCodeValue: this.grpc,
      ...(this.retryable ? { retryInfo: '1 second' } : {}), definiteAnswer: false,
    };
  }
}

export const err = {
  invalid: (cause: string) => new CantonError('INVALID_ARGUMENT', 8, `The submitted request has invalid arguments: ${cause}`),
  missingField: (f: string) => new CantonError('MISSING_FIELD', 8, `The submitted command is missing a mandatory field: ${f}`),
  decode: (cause: string) => new CantonError('INVALID_ARGUMENT', 8, `The submitted request has invalid arguments: ${cause}`),
  userExists: (id: string) => new CantonError('USER_ALREADY_EXISTS', 10, `creating user failed, as user "${id}" already exists`),
  userNotFound: (id: string, op = 'getting user') => new CantonError('USER_NOT_FOUND', 11, `${op} failed, as user "${id}" was not found`),
  unauthenticated: (why: string) => new CantonError('UNAUTHENTICATED', 6, `The command is missing a (valid) JWT token: ${why}`),
  denied: (why: string) => new CantonError('PERMISSION_DENIED', 7, `The provided JWT token is not sufficient to authorize the intended command: ${why}`),
  unavailable: () => new CantonError('SERVICE_NOT_RUNNING', 1, 'Ledger API server is shutting down or temporarily unavailable (injected fault).', {}, true),
  notFound: (what: string) => new CantonError('NOT_FOUND', 11, what),
  internal: (cause: string) => new CantonError('INTERNAL_ERROR', 4, cause),
};
