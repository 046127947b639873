/**
 * Placeholders in signer settings (`env` values, `args`, `health.url`), e.g.
 * `{participants.participant1.jsonApiUrl}`, `{parties.Issuer.id}`, `{users.issuer-user.id}`.
 *
 * Grammar: `{` followed by a letter starts a placeholder, which runs to the next `}` and may hold only
 * letters, digits, `_`, `-`, `.`, `@`. `{{` is a literal `{`. Any other `{` (e.g. JSON `{"a":1}`) is literal.
 * The first segment is the section, the last the field, everything between is the name (user ids may
 * contain dots).
 */

export const PLACEHOLDER_FIELDS = {
  participants: ['jsonApiUrl', 'ledgerApi', 'adminApi', 'address', 'ledgerPort', 'adminPort', 'jsonPort', 'name'],
  parties: ['id', 'name'],
  users: ['id', 'participant'],
} as const;
/** Placeholders without a name segment. */
export const PLACEHOLDER_GLOBALS = ['synchronizer.name', 'projectDir', 'stateDir'] as const;

export type PlaceholderSection = keyof typeof PLACEHOLDER_FIELDS;

export type PlaceholderToken =
  | { kind: 'text'; text: string }
  | { kind: 'ref'; raw: string; section: PlaceholderSection; name: string; field: string }
  | { kind: 'global'; raw: string; key: (typeof PLACEHOLDER_GLOBALS)[number] };

export class PlaceholderSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'PlaceholderSyntaxError';
  }
}

const BODY_CHAR = /[A-Za-z0-9_.\-@]/;

/** Splits a value into text and placeholders; throws PlaceholderSyntaxError on a malformed one. */
export function parsePlaceholders(value: string): PlaceholderToken[] {
  const out: PlaceholderToken[] = [];
  let text = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === '{' && value[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    if (c === '{' && /[A-Za-z]/.test(value[i + 1] ?? '')) {
      const end = value.indexOf('}', i);
      let j = i + 1;
      while (j < value.length && BODY_CHAR.test(value[j]!)) j++;
      if (end === -1 || j !== end) {
        throw new PlaceholderSyntaxError(
          end === -1 ? `unclosed placeholder starting at "${value.slice(i, i + 30)}"` : `invalid character "${value[j]}" in placeholder "${value.slice(i, end + 1)}"`,
          i,
        );
      }
      if (text) out.push({ kind: 'text', text });
      text = '';
      out.push(classify(value.slice(i + 1, end), i));
      i = end + 1;
      continue;
    }
    text += c;
    i++;
  }
  if (text) out.push({ kind: 'text', text });
  return out;
}

function classify(raw: string, offset: number): PlaceholderToken {
  if ((PLACEHOLDER_GLOBALS as readonly string[]).includes(raw)) return { kind: 'global', raw, key: raw as (typeof PLACEHOLDER_GLOBALS)[number] };
  const parts = raw.split('.');
  const section = parts[0]!;
  const known = Object.keys(PLACEHOLDER_FIELDS).concat(PLACEHOLDER_GLOBALS as unknown as string[]);
  if (!(section in PLACEHOLDER_FIELDS)) {
    throw new PlaceholderSyntaxError(`unknown placeholder {${raw}}: it must start with one of ${known.join(', ')}`, offset);
  }
  if (parts.length < 3 || parts.some((p) => p === '')) {
    throw new PlaceholderSyntaxError(`placeholder {${raw}} must have the form {${section}.<name>.<field>}`, offset);
  }
  const field = parts[parts.length - 1]!;
  const fields = PLACEHOLDER_FIELDS[section as PlaceholderSection] as readonly string[];
  if (!fields.includes(field)) {
    throw new PlaceholderSyntaxError(`unknown field "${field}" in {${raw}}; ${section} have ${fields.join(', ')}`, offset);
  }
  return { kind: 'ref', raw, section: section as PlaceholderSection, name: parts.slice(1, -1).join('.'), field };
}

/** Replaces every placeholder with `lookup(token)`; used by whoever launches the signer. */
export function substitutePlaceholders(value: string, lookup: (token: Exclude<PlaceholderToken, { kind: 'text' }>) => string): string {
  return parsePlaceholders(value)
    .map((t) => (t.kind === 'text' ? t.text : lookup(t)))
    .join('');
}
