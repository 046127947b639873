import { UserError } from '../errors.js';

/** `--timeout 90s`: a positive duration in ms, s, m or h (a bare number is seconds). Zero is refused: it would time out at once. */
export function parseDuration(text: string, flag = '--timeout'): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`${flag} ${text} is not a duration`, { where: flag, hint: 'Use e.g. 90s, 5m or 1500ms.' });
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
  if (ms <= 0) throw new UserError(`${flag} ${text} is not a positive duration`, { where: flag, hint: 'Give a deadline above zero, e.g. 90s or 5m.' });
  return ms;
}
