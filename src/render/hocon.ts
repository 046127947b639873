/**
 * A small HOCON emitter. No HOCON serializer exists on npm, and HOCON is a JSON superset whose quoted
 * strings use JSON's escapes, so values are JSON-quoted: a `"`, `\` or `${` inside a string survives
 * (substitutions are not expanded inside quotes). The only way to emit a substitution is the deliberate
 * escape hatch `envOverride`/`envOnly`, which accepts nothing but an environment variable name.
 */

export type HoconValue = string | number | boolean | null | HoconValue[] | HoconObject | HoconEnv;
export interface HoconObject {
  [key: string]: HoconValue | undefined;
}

/** `key = <literal>` followed by one `key = ${?VAR}` line per variable: the last one set wins. */
export class HoconEnv {
  readonly variables: string[];
  constructor(
    variables: string | string[],
    readonly literal?: string | number | boolean,
  ) {
    this.variables = [...new Set(Array.isArray(variables) ? variables : [variables])];
    for (const v of this.variables) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) throw new Error(`not an environment variable name: ${v}`);
  }
}

export function envOverride(literal: string | number | boolean, ...variables: string[]): HoconEnv {
  return new HoconEnv(variables, literal);
}

/** Only `key = ${?VAR}` lines: no literal ever written (for secrets). */
export function envOnly(...variables: string[]): HoconEnv {
  return new HoconEnv(variables);
}

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function hoconKey(k: string): string {
  return SAFE_KEY.test(k) ? k : JSON.stringify(k);
}

function scalar(v: string | number | boolean | null): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`cannot write ${v} in HOCON`);
  return v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Renders the entries of an object (no surrounding braces) at the given indent. */
export function hoconEntries(obj: HoconObject, indent = ''): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined) continue;
    const key = hoconKey(k);
    if (v instanceof HoconEnv) {
      if (v.literal !== undefined) lines.push(`${indent}${key} = ${scalar(v.literal)}`);
      for (const variable of v.variables) lines.push(`${indent}${key} = \${?${variable}}`);
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const inner = hoconEntries(v, `${indent}  `);
      lines.push(inner ? `${indent}${key} {\n${inner}\n${indent}}` : `${indent}${key} {}`);
    } else {
      lines.push(`${indent}${key} = ${hoconValue(v, indent)}`);
    }
  }
  return lines.join('\n');
}

export function hoconValue(v: HoconValue, indent = ''): string {
  if (v instanceof HoconEnv) throw new Error('an environment substitution must be the value of an object key');
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => `${indent}  ${hoconValue(x, `${indent}  `)}`).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const inner = hoconEntries(v, `${indent}  `);
    return inner ? `{\n${inner}\n${indent}}` : '{}';
  }
  return scalar(v);
}

/** A whole document: `root { … }` blocks for each top-level key. */
export function hoconDocument(obj: HoconObject): string {
  return `${hoconEntries(obj)}\n`;
}
