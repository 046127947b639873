import { z } from 'zod';
import { EVENTS_VERSION } from './events.js';

/**
 * The NDJSON progress stream of `up --json` / `up --events FILE`: one JSON object per line, every
 * one with `v` (this schema's version), `event` and `at` (ISO time). The last line of a run is
 * always a `result`. Documented in README ("Progress events"); `docs/events.schema.json` is
 * generated from this file (a test keeps the two equal). Only tests and docs load it: the CLI
 * writes events without validating them at run time.
 */
export { EVENTS_VERSION };
const base = { v: z.literal(EVENTS_VERSION), at: z.iso.datetime() };
const step = { step: z.string().min(1), title: z.string() };

const ErrorDoc = z.object({
  kind: z.string(),
  message: z.string(),
  where: z.string().optional(),
  hint: z.string().optional(),
  exitCode: z.number().int(),
  data: z.record(z.string(), z.unknown()).optional(),
  /** Canton errors found in the message, decoded (src/canton/errors-decode.ts). */
  decoded: z.array(z.strictObject({ code: z.string(), cause: z.string(), fix: z.string(), line: z.string() })).optional(),
});

export const ProgressEvent = z.discriminatedUnion('event', [
  /** A plan step starts (it was observed to be needed). */
  z.strictObject({ ...base, event: z.literal('step-start'), ...step, index: z.number().int().nonnegative(), total: z.number().int().positive() }),
  z.strictObject({ ...base, event: z.literal('step-done'), ...step, ms: z.number().nonnegative() }),
  /** The step's effect was already in place. */
  z.strictObject({ ...base, event: z.literal('step-skipped'), ...step, ms: z.number().nonnegative() }),
  z.strictObject({ ...base, event: z.literal('step-failed'), ...step, ms: z.number().nonnegative() }),
  /** A readiness stage was entered (or its detail changed); elapsedMs since readiness began. */
  z.strictObject({
    ...base,
    event: z.literal('stage'),
    stage: z.enum(['process', 'ports-file', 'readyz', 'parties']),
    title: z.string(),
    detail: z.string().optional(),
    elapsedMs: z.number().nonnegative(),
  }),
  z.strictObject({ ...base, event: z.literal('warning'), message: z.string() }),
  /** A download or JSON Ledger API attempt failed; retried while retriesLeft > 0. */
  z.strictObject({ ...base, event: z.literal('retry'), what: z.string(), attempt: z.number().int().positive(), retriesLeft: z.number().int().nonnegative(), error: z.string() }),
  /** The release was downloaded and verified: from where, against which checksum source. */
  z.strictObject({ ...base, event: z.literal('release'), version: z.string(), sha256: z.string(), url: z.string(), checksumSource: z.string() }),
  /** A Canton error found in a log or an answer, decoded (src/canton/errors-decode.ts). */
  z.strictObject({ ...base, event: z.literal('canton-error'), code: z.string(), cause: z.string(), fix: z.string(), line: z.string() }),
  /** Last line: the command's result document (the same as `--json` prints), or the error. */
  z.looseObject({ ...base, event: z.literal('result'), ok: z.boolean(), error: ErrorDoc.optional() }),
]);

export type ProgressEvent = z.infer<typeof ProgressEvent>;
export type EventName = ProgressEvent['event'];

export function eventsJsonSchema(): unknown {
  return z.toJSONSchema(ProgressEvent, { target: 'draft-2020-12' });
}
