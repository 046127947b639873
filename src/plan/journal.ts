import { appendFileSync, promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import type { StepStatus } from './types.js';

/** Bump when the record shape changes; older readers refuse newer journals instead of guessing. */
export const JOURNAL_VERSION = 1;

export interface JournalRecord {
  v: number;
  /** One id per `up` invocation, so a resumed run can be told apart from the interrupted one. */
  run: string;
  step: string;
  status: StepStatus;
  at: string;
  error?: string;
  /** With `note`: the recorded values (offsets, file paths and sha256s, a pruning schedule). */
  data?: Record<string, unknown>;
}

export interface Journal {
  readonly path: string;
  record(step: string, status: StepStatus, error?: string, data?: Record<string, unknown>): void;
}

/**
 * Parse journal text. Unknown versions are refused with a hint; a torn last line (the process was
 * killed mid-write) is ignored, since every complete record ends with a newline.
 */
export function parseJournal(text: string, path: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  const lines = text.split('\n');
  // The element after the last newline is either '' or a torn record: drop it either way.
  const complete = lines.slice(0, -1);
  complete.forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: JournalRecord;
    try {
      rec = JSON.parse(line) as JournalRecord;
    } catch {
      throw new UserError(`${path}:${i + 1} is not a journal record`, {
        where: `${path}:${i + 1}`,
        hint: `The journal only records progress; delete ${path} and re-run \`canton-mpc up\`.`,
        exitCode: 3,
        kind: 'journal_invalid',
      });
    }
    if (rec.v !== JOURNAL_VERSION) {
      throw new UserError(`${path}:${i + 1} has journal version ${String(rec.v)}; this canton-mpc reads version ${JOURNAL_VERSION}`, {
        where: `${path}:${i + 1}`,
        hint: `It was written by a different canton-mpc release. Upgrade canton-mpc, or run \`canton-mpc down\` with the release that wrote it and delete ${path}.`,
        exitCode: 3,
        kind: 'journal_version',
      });
    }
    records.push(rec);
  });
  return records;
}

/**
 * Read the journal. With `warn`, an unreadable journal (garbage, another version) is moved aside
 * (`journal.ndjson.unreadable-<time>`) with a warning and treated as empty: it only records progress,
 * and every step observes the world anyway, so it must never lock anyone out.
 */
export async function readJournal(path: string, warn?: (message: string) => void): Promise<JournalRecord[]> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  try {
    return parseJournal(text, path);
  } catch (e) {
    if (!warn) throw e;
    const aside = `${path}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await fsp.rename(path, aside).catch(() => undefined);
    warn(`${(e as Error).message}; it was moved to ${aside} and is ignored`);
    return [];
  }
}

/** The last run in the journal that did not finish: its id and the last step it completed. */
export function interruptedRun(records: JournalRecord[]): { run: string; lastDone?: string; failed?: string } | undefined {
  const last = records[records.length - 1];
  if (!last) return undefined;
  const run = records.filter((r) => r.run === last.run);
  if (run.some((r) => r.step === 'up' && (r.status === 'done' || r.status === 'failed'))) return undefined;
  const done = run.filter((r) => r.status === 'done' && r.step !== 'up');
  const failed = run.find((r) => r.status === 'failed');
  return { run: last.run, lastDone: done[done.length - 1]?.step, failed: failed?.step };
}

/**
 * Appends are synchronous on purpose: the record must be on disk before the next step starts, so a
 * SIGKILL right after a step leaves a journal that says exactly how far the run got.
 */
export async function openJournal(path: string, run: string, now: () => Date = () => new Date()): Promise<Journal> {
  await fsp.mkdir(dirname(path), { recursive: true });
  return {
    path,
    record(step, status, error, data) {
      const rec: JournalRecord = { v: JOURNAL_VERSION, run, step, status, at: now().toISOString(), ...(error ? { error } : {}), ...(data ? { data } : {}) };
      appendFileSync(path, `${JSON.stringify(rec)}\n`, { mode: 0o600 });
    },
  };
}
