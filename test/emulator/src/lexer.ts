// Tokenizer for the Scala subset used in Canton console scripts. It implements just enough of
// Scala's newline inference (a newline ends a statement unless it is inside (...)/[...], after a
// token that cannot end an expression, or before one that cannot start a statement) for scripts
// written the usual way, including method chains continued on the next line with a leading `.`.

export type TokKind = 'ident' | 'num' | 'str' | 'interp' | 'op' | 'nl' | 'eof';
export interface Tok {
  kind: TokKind; text: string; line: number; col: number; value?: unknown;
  /** nl: the line it ends held no token and no comment (a blank line). */
  empty?: boolean;
  /** `}` / `)`: whether an argument list may follow (`f { … }(x)` yes; `if (c)` and a `{ block }` no). */
  applicable?: boolean;
}
export type InterpPart = { lit: string } | { expr: string; line: number; col: number };

export class ScriptSyntaxError extends Error {
  constructor(msg: string, readonly line: number, readonly col: number) { super(msg); }
}

const OPS = ['=>', '->', '==', '!=', '<=', '>=', '&&', '||', '(', ')', '{', '}', '[', ']', ',', '.', '=', ':', ';', '+', '-', '*', '/', '%', '<', '>', '!', '_'];
const NO_END = new Set(['(', '[', '{', ',', '.', '=', '=>', '->', '==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '%', '<', '>', '!', ':']);
const NO_START = new Set(['.', ')', ']', '}', ',', '=>', '->', '==', '!=', '&&', '||', '=', ':']);

export function tokenize(src: string): Tok[] {
  const raw: Tok[] = [];
  let i = 0, line = 1, col = 1, lineHasContent = false;
  const adv = (n: number) => { for (let k = 0; k < n; k++) { if (src[i] === '\n') { line++; col = 1; } else col++; i++; } };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') { raw.push({ kind: 'nl', text: '\n', line, col, empty: !lineHasContent }); lineHasContent = false; adv(1); continue; }
    if (c === ' ' || c === '\t' || c === '\r') { adv(1); continue; }
    lineHasContent = true;
    if (src.startsWith('//', i)) { while (i < src.length && src[i] !== '\n') adv(1); continue; }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new ScriptSyntaxError('unclosed comment', line, col);
      adv(end + 2 - i); continue;
    }
    const sl = line, sc = col;
    if (/[A-Za-z$]/.test(c) || (c === '_' && /[A-Za-z0-9_]/.test(src[i + 1] ?? ''))) {
      // s"..." string interpolation
      if ((c === 's' || c === 'f') && src[i + 1] === '"') {
        adv(1);
        const { parts, len } = readInterp(src, i, sl, sc);
        adv(len);
        raw.push({ kind: 'interp', text: 's"…"', line: sl, col: sc, value: parts });
        continue;
      }
      let j = i;
      while (j < src.length && /[A-Za-z0-9_$]/.test(src[j]!)) j++;
      raw.push({ kind: 'ident', text: src.slice(i, j), line: sl, col: sc });
      adv(j - i); continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new ScriptSyntaxError('unclosed backquote', line, col);
      raw.push({ kind: 'ident', text: src.slice(i + 1, end), line: sl, col: sc });
      adv(end + 1 - i); continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][+-]?\d+)?)[LlDdFf]?/.exec(src.slice(i))!;
      // `2.minutes`: the dot belongs to a member selection, not to the number.
      let text = m[0];
      if (m[2] && /^\.[A-Za-z_]/.test(src.slice(i + (m[1]!.length - m[2].length)))) text = text.slice(0, m[1]!.length - m[2].length);
      const num = Number(text.replace(/[LlDdFf]$/, ''));
      raw.push({ kind: 'num', text, line: sl, col: sc, value: num });
      adv(text.length); continue;
    }
    if (c === '"') {
      if (src.startsWith('"""', i)) {
        const end = src.indexOf('"""', i + 3);
        if (end < 0) throw new ScriptSyntaxError('unclosed string literal', line, col);
        raw.push({ kind: 'str', text: src.slice(i, end + 3), line: sl, col: sc, value: src.slice(i + 3, end) });
        adv(end + 3 - i); continue;
      }
      const { value, len } = readString(src, i, sl, sc);
      raw.push({ kind: 'str', text: src.slice(i, i + len), line: sl, col: sc, value });
      adv(len); continue;
    }
    if (c === "'" && src[i + 2] === "'") { raw.push({ kind: 'str', text: src.slice(i, i + 3), line: sl, col: sc, value: src[i + 1] }); adv(3); continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ScriptSyntaxError(`illegal character '${c}'`, line, col);
    raw.push({ kind: 'op', text: op, line: sl, col: sc });
    adv(op.length);
  }
  raw.push({ kind: 'eof', text: '', line, col });
  return inferNewlines(raw);
}

function readString(src: string, start: number, line: number, col: number): { value: string; len: number } {
  let j = start + 1, out = '';
  while (j < src.length && src[j] !== '"') {
    if (src[j] === '\n') throw new ScriptSyntaxError('unclosed string literal', line, col);
    if (src[j] === '\\') {
      const e = src[j + 1];
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', "'": "'", b: '\b', f: '\f' };
      if (e === 'u') { out += String.fromCharCode(parseInt(src.slice(j + 2, j + 6), 16)); j += 6; continue; }
      if (e === undefined || !(e in map)) throw new ScriptSyntaxError('invalid escape character', line, col);
      out += map[e]; j += 2; continue;
    }
    out += src[j]; j++;
  }
  if (j >= src.length) throw new ScriptSyntaxError('unclosed string literal', line, col);
  return { value: out, len: j + 1 - start };
}

function readInterp(src: string, start: number, line: number, col: number): { parts: InterpPart[]; len: number } {
  // start points at the opening quote
  let j = start + 1, lit = '';
  const parts: InterpPart[] = [];
  while (j < src.length && src[j] !== '"') {
    const ch = src[j]!;
    if (ch === '\n') throw new ScriptSyntaxError('unclosed string literal', line, col);
    if (ch === '\\') { const r = readString(`"${src.slice(j, j + 2)}"`, 0, line, col); lit += r.value; j += 2; continue; }
    if (ch === '$') {
      if (src[j + 1] === '$') { lit += '$'; j += 2; continue; }
      if (lit) { parts.push({ lit }); lit = ''; }
      if (src[j + 1] === '{') {
        let depth = 1, k = j + 2;
        while (k < src.length && depth > 0) { if (src[k] === '{') depth++; else if (src[k] === '}') depth--; k++; }
        if (depth > 0) throw new ScriptSyntaxError('unclosed string interpolation', line, col);
        parts.push({ expr: src.slice(j + 2, k - 1), line, col: col + (j - start) });
        j = k; continue;
      }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(j + 1));
      if (!m) throw new ScriptSyntaxError('invalid string interpolation', line, col);
      parts.push({ expr: m[0], line, col: col + (j - start) });
      j += 1 + m[0].length; continue;
    }
    lit += ch; j++;
  }
  if (j >= src.length) throw new ScriptSyntaxError('unclosed string literal', line, col);
  if (lit) parts.push({ lit });
  return { parts, len: j + 1 - start };
}

// Reserved words after which `{` / `(` start something new rather than an argument list.
const KEYWORDS = new Set(['if', 'else', 'while', 'for', 'do', 'try', 'catch', 'finally', 'yield', 'match', 'val', 'var', 'def', 'new', 'return', 'throw', 'import', 'case', 'lazy', 'type', 'class', 'object', 'trait', 'extends', 'with']);

/** scalac's canApply: whether an argument list or argument block may follow this token. */
function canApply(t: Tok | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'ident') return !KEYWORDS.has(t.text);
  if (t.kind === 'str' || t.kind === 'num' || t.kind === 'interp') return true;
  return t.kind === 'op' && (t.text === ']' || t.text === '_' || ((t.text === ')' || t.text === '}') && t.applicable === true));
}

function inferNewlines(raw: Tok[]): Tok[] {
  const out: Tok[] = [];
  const stack: Array<{ text: string; applicable: boolean }> = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (t.kind === 'op' && (t.text === '(' || t.text === '[' || t.text === '{')) {
      const prev = out[out.length - 1];
      // `(…)` is applicable unless it is the condition of if/while/for; `{…}` only as an argument block.
      const applicable = t.text === '(' ? !(prev?.kind === 'ident' && KEYWORDS.has(prev.text)) : canApply(prev);
      stack.push({ text: t.text, applicable });
    }
    if (t.kind === 'op' && (t.text === ')' || t.text === ']' || t.text === '}')) {
      const open = stack.pop();
      t.applicable = open?.applicable === true;
    }
    if (t.kind !== 'nl') { out.push(t); continue; }
    const top = stack[stack.length - 1]?.text;
    if (top === '(' || top === '[') continue;
    const prev = out[out.length - 1];
    let k = i + 1;
    while (raw[k]?.kind === 'nl') k++;
    const next = raw[k]!;
    // a line holding nothing (not even a comment) between the two tokens: Scala's double newline
    const blankBetween = raw.slice(i + 1, k).some((x) => x.empty === true);
    if (!prev || prev.kind === 'nl') continue;
    if (prev.kind === 'op' && NO_END.has(prev.text)) continue;
    if (next.kind === 'op' && NO_START.has(next.text)) continue;
    if (next.kind === 'ident' && (next.text === 'else' || next.text === 'match')) continue;
    // A single newline before `{` continues the expression when an argument block may follow:
    // `f(args)\n{ block }` is `f(args)({ block })`, as scalac reads it; a blank line separates them.
    if (next.kind === 'op' && next.text === '{' && !blankBetween && canApply(prev)) continue;
    out.push(t);
  }
  return out;
}
