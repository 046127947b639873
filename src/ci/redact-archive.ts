import { isSecretName } from '../ui/redact.js';

/**
 * Redaction for the diagnostics archive. Two layers: every secret value canton-mpc can know of
 * (secret-named environment variables, the configured password variable, the signer's passEnv and
 * secrets file, the generated Postgres password) is replaced wherever it appears; and patterns
 * that look like secrets whatever their value (key = value pairs with a secret-like key, bearer
 * tokens, JWTs, passwords in URLs) are masked too, for secrets canton-mpc never saw.
 */
export const MASK = '***';
/** Shorter values are too likely to be ordinary text ("1", "true") to mask everywhere. */
const MIN_VALUE_LENGTH = 4;

export function secretValuesFromEnv(env: NodeJS.ProcessEnv, extraNames: string[] = []): string[] {
  const names = new Set([...Object.keys(env).filter(isSecretName), ...extraNames]);
  return [...names].map((n) => env[n]).filter((v): v is string => typeof v === 'string' && v.length >= MIN_VALUE_LENGTH);
}

/** Values of a KEY=VALUE secrets file (comments and blank lines skipped, quotes stripped). */
export function secretValuesFromEnvFile(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const v = m[1]!.replace(/^(['"])(.*)\1$/, '$2');
    if (v.length >= MIN_VALUE_LENGTH) out.push(v);
  }
  return out;
}

const PATTERNS: Array<[RegExp, (...m: string[]) => string]> = [
  // password = "x", "token": "x", secret: x … but not HOCON substitutions like ${?POSTGRES_PASSWORD}.
  [
    /((?:password|passwd|secret|token|private[_-]?key|api[_-]?key|credentials?)["']?\s*[=:]\s*)(["']?)(?!\$\{)([^"'\s,}\]]{1,})\2/gi,
    (_m, key, q) => `${key}${q}${MASK}${q}`,
  ],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, (_m, p) => `${p}${MASK}`],
  [/eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, () => `${MASK}jwt${MASK}`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)[^@\s/]+@/gi, (_m, p) => `${p}${MASK}@`],
];

export function redactArchiveText(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const s of [...new Set(secrets)].sort((a, b) => b.length - a.length)) if (s && out.includes(s)) out = out.split(s).join(MASK);
  for (const [re, fn] of PATTERNS) out = out.replace(re, fn as (substring: string, ...args: string[]) => string);
  return out;
}
