/**
 * Config path → line:column in the source text, so every issue points at what to edit.
 * YAML: exact, from the document's node ranges. TOML (smol-toml keeps no positions): a line scan of
 * table headers and keys, precise to the key that holds the value or its nearest written ancestor.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node, type Pair } from 'yaml';

export interface Location {
  line: number;
  column: number;
}

export type Locator = (path: readonly (string | number)[], at?: 'key' | 'value') => Location | undefined;

export function yamlLocator(doc: Document, lines: LineCounter): Locator {
  const pos = (offset: number): Location => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return (path, at = 'value') => {
    let node: unknown = doc.contents;
    let lastKey: Node | undefined;
    let complete = true;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg)) as Pair | undefined;
        if (!pair) {
          complete = false;
          break;
        }
        lastKey = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        lastKey = undefined;
        node = node.items[seg];
      } else {
        complete = false;
        break;
      }
    }
    const range = (n: unknown) => (n && typeof n === 'object' && 'range' in n ? (n as Node).range : undefined);
    if (complete && at === 'value' && range(node)) return pos(range(node)![0]);
    // A key, or a path not written in the file (a default): the deepest key that is written.
    if (range(lastKey)) return pos(range(lastKey)![0]);
    if (range(node)) return pos(range(node)![0]);
    return { line: 1, column: 1 };
  };
}

/** One TOML key as written: its full dotted path and where it starts. */
interface TomlKey {
  path: string[];
  line: number;
  column: number;
  /** Array-of-tables index counters are not tracked; `[[x]]` entries share the header path. */
}

const BARE = /[A-Za-z0-9_-]+/y;

function readKey(text: string, start: number): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  let i = start;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    const c = text[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== c) {
        if (c === '"' && text[j] === '\\') {
          s += text[j + 1] ?? '';
          j += 2;
          continue;
        }
        s += text[j];
        j++;
      }
      parts.push(s);
      i = j + 1;
    } else {
      BARE.lastIndex = i;
      const m = BARE.exec(text);
      if (!m) return undefined;
      parts.push(m[0]);
      i += m[0].length;
    }
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '.') {
      i++;
      continue;
    }
    return { parts, end: i };
  }
}

export function tomlKeys(text: string): TomlKey[] {
  const keys: TomlKey[] = [];
  let table: string[] = [];
  let inMultiline: string | undefined;
  text.split(/\r?\n/).forEach((line, idx) => {
    if (inMultiline) {
      if (line.includes(inMultiline)) inMultiline = undefined;
      return;
    }
    const indent = line.length - line.trimStart().length;
    const t = line.trimStart();
    if (t.startsWith('#') || t === '') return;
    if (t.startsWith('[')) {
      const arr = t.startsWith('[[');
      const k = readKey(line, indent + (arr ? 2 : 1));
      if (k) {
        table = k.parts;
        keys.push({ path: table, line: idx + 1, column: indent + 1 + (arr ? 2 : 1) });
      }
      return;
    }
    const k = readKey(line, indent);
    if (k && line[k.end] === '=') {
      const path = [...table, ...k.parts];
      keys.push({ path, line: idx + 1, column: indent + 1 });
      const rest = line.slice(k.end + 1);
      const triple = /"""|'''/.exec(rest);
      if (triple && rest.split(triple[0]).length === 2) inMultiline = triple[0];
      // Inline tables and arrays on one line: record their keys at the line of the parent key.
      collectInline(rest, path, idx + 1, k.end + 1, keys);
    }
  });
  return keys;
}

function collectInline(rest: string, parent: string[], line: number, offset: number, keys: TomlKey[]) {
  // `ports = { ledger = 6011, json = 6013 }`: find `name =` inside braces.
  if (!rest.includes('{')) return;
  const re = /[{,]\s*("[^"]*"|[A-Za-z0-9_-]+)\s*=/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) {
    const name = m[1]!.startsWith('"') ? m[1]!.slice(1, -1) : m[1]!;
    keys.push({ path: [...parent, name], line, column: offset + m.index + m[0].indexOf(m[1]!) + 1 });
  }
}

export function tomlLocator(text: string): Locator {
  const keys = tomlKeys(text);
  return (path) => {
    const want = path.map(String);
    let best: TomlKey | undefined;
    let bestLen = -1;
    for (const k of keys) {
      // Array indices are not keys in TOML: match them against the array's own key.
      let n = 0;
      while (n < k.path.length && n < want.length && k.path[n] === want[n]) n++;
      if (n === k.path.length && n > bestLen) {
        best = k;
        bestLen = n;
      }
    }
    return best && bestLen > 0 ? { line: best.line, column: best.column } : { line: 1, column: 1 };
  };
}
