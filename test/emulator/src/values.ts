// Runtime values of the console interpreter. Everything except functions is plain JSON, so values
// cross the admin JSON-RPC unchanged.
import type { Expr } from './ast.js';
import type { NodeKind } from './config.js';

export type VO = { k: string; [x: string]: unknown };
export type V = null | string | number | boolean | VO;
export type Scope = { vars: Map<string, V>; parent?: Scope };

export const node = (kind: NodeKind, name: string): VO => ({ k: 'node', kind, name });
export const group = (kind: NodeKind | 'node', members: VO[]): VO => ({ k: 'group', kind, members });
export const party = (id: string): VO => ({ k: 'party', id });
export const pid = (uid: string): VO => ({ k: 'pid', uid });
export const sid = (id: string): VO => ({ k: 'sid', id });
export const seq = (items: V[], set = false): VO => ({ k: 'seq', items, set });
export const tuple = (items: V[]): VO => ({ k: 'tuple', items });
export const dur = (ms: number): VO => ({ k: 'dur', ms });
export const posint = (n: number): VO => ({ k: 'posint', n });
export const opt = (v: V | undefined): VO => (v === undefined ? { k: 'opt' } : { k: 'opt', v });
export const enumV = (type: string, name: string): VO => ({ k: 'enum', type, name });
export const rec = (type: string, f: Record<string, V>): VO => ({ k: 'rec', type, f });
export const thunk = (expr: Expr, scope: Scope): VO => ({ k: 'thunk', expr, scope });

export const isVO = (v: V): v is VO => typeof v === 'object' && v !== null;
export const is = (v: V, k: string): v is VO => isVO(v) && v.k === k;

/** The receiver kind used to look a member up in the console API. */
export function kindOf(v: V): string {
  if (v === null) return 'unit';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (v.k === 'node') return String(v.kind);
  if (v.k === 'group') return `group:${String(v.kind)}`;
  if (v.k === 'static') return `static:${String(v.name)}`;
  if (v.k === 'rec') return `rec:${String(v.type)}`;
  return v.k;
}

export function show(v: V): string {
  if (v === null) return '()';
  if (typeof v !== 'object') return String(v);
  switch (v.k) {
    case 'party': return String(v.id);
    case 'pid': return `PAR::${String(v.uid)}`;
    case 'sid': return String(v.id);
    case 'node': return `${String(v.kind).replace(/^./, (c) => c.toUpperCase())} '${String(v.name)}'`;
    case 'group': return `List(${(v.members as V[]).map(show).join(', ')})`;
    case 'seq': return `${v.set ? 'Set' : 'List'}(${(v.items as V[]).map(show).join(', ')})`;
    case 'tuple': return `(${(v.items as V[]).map(show).join(',')})`;
    case 'opt': return 'v' in v ? `Some(${show(v.v as V)})` : 'None';
    case 'dur': return fmtDur(v.ms as number);
    case 'posint': return String(v.n);
    case 'enum': return String(v.name);
    case 'rec': return `${String(v.type)}(${Object.entries(v.f as Record<string, V>).map(([k, x]) => `${k} = ${show(x)}`).join(', ')})`;
    case 'static': return String(v.name);
    default: return `<${v.k}>`;
  }
}

function fmtDur(ms: number): string {
  if (!Number.isFinite(ms)) return 'Duration.Inf';
  for (const [u, n] of [['days', 8.64e7], ['hours', 3.6e6], ['minutes', 6e4], ['seconds', 1e3]] as const) {
    if (ms % n === 0 && ms >= n) return `${ms / n} ${u}`;
  }
  return `${ms} milliseconds`;
}

/** Structural equality for `==` (values are JSON-shaped). */
export function equal(a: V, b: V): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
