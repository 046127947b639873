import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isCantonMpcError, ExitCode, UserError } from '../errors.js';
import type { CommandContext } from '../context.js';
import type { Output } from './output.js';
import { redact } from './redact.js';
import type { EventName } from './event-schema.js';
import { decodeCantonText, type Decoded } from '../canton/errors-decode.js';

/** Version of the event schema (./event-schema.ts); every event carries it as `v`. */
export const EVENTS_VERSION = 1;

/**
 * The NDJSON event stream (schema: ./event-schema.ts): to stdout with `--json`, and to a file with
 * `--events FILE` while the human output stays on the terminal. Lines are written synchronously, so
 * a run that is killed leaves every event up to that moment in the file.
 */
export interface EventSink {
  emit(event: EventName, fields?: Record<string, unknown>): void;
  close(): void;
}

/** Errors whose `result` line the stream already wrote: the top-level catch must not print them again. */
export const reportedErrors = new WeakSet<object>();

export function createEventSink(opts: { stdout?: NodeJS.WritableStream; file?: string; cwd?: string; now?: () => Date }): EventSink {
  const now = opts.now ?? (() => new Date());
  let fd: number | undefined;
  if (opts.file) {
    const path = resolve(opts.cwd ?? process.cwd(), opts.file);
    try {
      mkdirSync(dirname(path), { recursive: true });
      // 0600: events carry party ids and endpoints (secrets are redacted, but they are nobody else's business).
      fd = openSync(path, 'w', 0o600);
    } catch (e) {
      throw new UserError(`--events ${opts.file}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
        where: '--events',
        hint: 'Give a path in a writable directory.',
      });
    }
  }
  return {
    emit(event, fields = {}) {
      const line = `${redact(JSON.stringify({ v: EVENTS_VERSION, event, at: now().toISOString(), ...fields }))}\n`;
      opts.stdout?.write(line);
      if (fd !== undefined) writeSync(fd, line);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * The error as `--json` prints it (here and in cli.ts), with the Canton errors its message (a log
 * tail, an API answer) contains, decoded.
 */
export function errorDocument(e: unknown): { kind: string; message: string; where?: string; hint?: string; exitCode: number; data?: Record<string, unknown>; decoded?: Decoded[] } {
  if (isCantonMpcError(e)) {
    const decoded = decodeCantonText(e.message);
    return { kind: e.kind, message: e.message, where: e.where, hint: e.hint, exitCode: e.exitCode, ...(e.data ? { data: e.data } : {}), ...(decoded.length ? { decoded } : {}) };
  }
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e), exitCode: ExitCode.INTERNAL };
}

/**
 * An Output that also feeds the stream: warnings become `warning` events, the installer's
 * `retry`/`verified` events become `retry`/`release`, and with --json the final result is one
 * `result` line instead of a pretty-printed document.
 */
export function withEvents(output: Output, sink: EventSink): Output {
  return {
    ...output,
    warn(message) {
      output.warn(message);
      sink.emit('warning', { message });
    },
    event(e) {
      if (e.event === 'stage') sink.emit('stage', { stage: e.stage, title: e.title, ...(e.detail ? { detail: e.detail } : {}), elapsedMs: e.elapsedMs });
      else if (e.event === 'retry') sink.emit('retry', { what: String(e.url ?? 'download'), attempt: Number(e.attempt), retriesLeft: Number(e.retriesLeft), error: String(e.error) });
      else if (e.event === 'verified' && typeof e.url === 'string')
        sink.emit('release', { version: String(e.version), sha256: String(e.sha256), url: e.url, checksumSource: String(e.checksumSource ?? 'unknown') });
    },
    result(human, json) {
      if (!output.json) output.result(human, json);
      const doc = (json ?? {}) as Record<string, unknown>;
      sink.emit('result', { ok: doc.ok !== false, ...doc });
    },
  };
}

/** The plan runner's callbacks as step events. */
export function planEvents(sink: EventSink): {
  onStep: (s: { id: string; title: string; index: number; total: number }) => void;
  onOutcome: (o: { id: string; title: string; status: 'done' | 'skipped' | 'failed'; ms: number }) => void;
} {
  return {
    onStep: (s) => sink.emit('step-start', { step: s.id, title: s.title, index: s.index, total: s.total }),
    onOutcome: (o) => sink.emit(o.status === 'done' ? 'step-done' : o.status === 'skipped' ? 'step-skipped' : 'step-failed', { step: o.id, title: o.title, ms: o.ms }),
  };
}

/**
 * Run a streaming command: `--json` puts the events on stdout, `--events FILE` in a file; the
 * command gets an Output that feeds the stream, and a failure still ends the stream with a `result`.
 */
export async function withEventStream(
  base: CommandContext,
  eventsFile: string | undefined,
  run: (ctx: CommandContext, sink: EventSink) => Promise<number>,
): Promise<number> {
  const sink = createEventSink({ stdout: base.output.json ? process.stdout : undefined, file: eventsFile, cwd: base.cwd });
  try {
    return await run({ ...base, output: withEvents(base.output, sink) }, sink);
  } catch (e) {
    emitFailure(sink, e);
    throw e;
  } finally {
    sink.close();
  }
}

/**
 * Steps reported one after the other by a callback that only says "now doing X" (down's stop
 * sequence): each start closes the previous step as done, `end` closes the last. (Whether a step
 * found anything to stop is known only at the end: the result document says it.)
 */
export function sequentialSteps(sink: EventSink, total: number, now: () => number = Date.now) {
  let open: { id: string; title: string; t0: number } | undefined;
  let index = 0;
  const close = () => {
    if (!open) return;
    sink.emit('step-done', { step: open.id, title: open.title, ms: now() - open.t0 });
    open = undefined;
  };
  return {
    start(id: string, title: string) {
      close();
      open = { id, title, t0: now() };
      sink.emit('step-start', { step: id, title, index: index++, total });
    },
    end: close,
  };
}

/** The failing run's last line; marks the error so the top-level catch does not print it twice. */
export function emitFailure(sink: EventSink, e: unknown): void {
  const error = errorDocument(e);
  for (const d of error.decoded ?? []) sink.emit('canton-error', { ...d });
  sink.emit('result', { ok: false, error });
  if (e !== null && typeof e === 'object') reportedErrors.add(e);
}
