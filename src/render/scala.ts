/**
 * Scala string literals for the Canton console (Scala 2.13; also parsed by 2.11 in tests).
 * A plain "…" literal: `\` and `"` escaped, `$` needs nothing (only s"…" interpolates). Control
 * characters are spliced in as `n.toChar` rather than `\uXXXX`, because Scala 2.11 expands unicode
 * escapes before lexing, so `\u0022` would end the string.
 */
export function scalaString(s: string): string {
  const parts: string[] = [];
  let cur = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') cur += '\\\\';
    else if (ch === '"') cur += '\\"';
    else if (ch === '\n') cur += '\\n';
    else if (ch === '\r') cur += '\\r';
    else if (ch === '\t') cur += '\\t';
    else if (code < 0x20 || code === 0x7f) {
      parts.push(`"${cur}"`, `${code}.toChar`);
      cur = '';
    } else cur += ch;
  }
  parts.push(`"${cur}"`);
  // `"" + 1.toChar + ""` keeps the expression a String even when it starts with a char.
  return parts.length === 1 ? parts[0]! : `(${parts.join(' + ')})`;
}

/** A node name as a Scala identifier: validated names are plain; anything else is back-quoted. */
export function scalaIdent(name: string): string {
  return /^[a-z][a-zA-Z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '')}\``;
}
