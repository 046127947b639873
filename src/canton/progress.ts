import type { Output, Progress } from '../ui/output.js';

/**
 * Download progress in the three output modes: a spinner line with bytes, percent and rate on a
 * TTY; throttled NDJSON `progress` events with --json; nothing at all otherwise (CI logs stay clean).
 */
export const PROGRESS_EVENT_MIN_INTERVAL_MS = 500;
export const PROGRESS_EVENT_PERCENT_STEP = 5;
const SPINNER_MIN_INTERVAL_MS = 100;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export interface ProgressSample {
  bytes: number;
  total?: number;
  resumedFrom: number;
}

export interface ProgressReporter {
  update(s: ProgressSample): void;
  succeed(text: string): void;
  fail(text?: string): void;
}

export function progressLine(label: string, s: ProgressSample, bytesPerSecond: number): string {
  const pct = s.total ? ` (${Math.floor((s.bytes / s.total) * 100)}%)` : '';
  const of = s.total ? ` / ${formatBytes(s.total)}` : '';
  const rate = bytesPerSecond > 0 ? `, ${formatBytes(bytesPerSecond)}/s` : '';
  return `${label}: ${formatBytes(s.bytes)}${of}${pct}${rate}`;
}

export function createProgressReporter(output: Output, label: string, fields: Record<string, unknown>, now: () => number = Date.now): ProgressReporter {
  // ora loops forever clearing lines on a terminal that reports 0 columns (a pty nobody sized).
  const sized = (process.stderr.columns ?? 0) > 0;
  let spinner: Progress | undefined;
  const spin = () => (spinner ??= output.interactive && !output.json && sized ? output.progress(label) : undefined);
  const startedAt = now();
  let lastSpin = 0;
  let lastEventAt = 0;
  let lastEventPct = -Infinity;
  let attemptStart: { at: number; bytes: number } | undefined;
  const rate = (s: ProgressSample) => {
    if (!attemptStart || attemptStart.bytes !== s.resumedFrom) attemptStart = { at: now(), bytes: s.resumedFrom };
    const secs = (now() - attemptStart.at) / 1000;
    return secs > 0 ? (s.bytes - attemptStart.bytes) / secs : 0;
  };
  return {
    update(s) {
      const bps = rate(s);
      const t = now();
      const sp = spin();
      if (sp && t - lastSpin >= SPINNER_MIN_INTERVAL_MS) {
        lastSpin = t;
        sp.update(progressLine(label, s, bps));
      }
      if (output.json) {
        const pct = s.total ? (s.bytes / s.total) * 100 : undefined;
        const done = s.total !== undefined && s.bytes === s.total;
        const stepped = pct !== undefined && pct - lastEventPct >= PROGRESS_EVENT_PERCENT_STEP;
        if (done || stepped || t - lastEventAt >= PROGRESS_EVENT_MIN_INTERVAL_MS) {
          lastEventAt = t;
          if (pct !== undefined) lastEventPct = pct;
          output.event({
            event: 'progress',
            ...fields,
            bytes: s.bytes,
            ...(s.total === undefined ? {} : { total: s.total, percent: Math.floor(pct ?? 0) }),
            bytesPerSecond: Math.round(bps),
            elapsedMs: t - startedAt,
          });
        }
      }
    },
    succeed(text) {
      spinner?.succeed(text);
    },
    fail(text) {
      spinner?.fail(text);
    },
  };
}
