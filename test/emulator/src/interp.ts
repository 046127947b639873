// Interpreter for console scripts: a static pass first (like scalac compiling the script, so an
// unknown command or parameter fails before anything runs), then evaluation statement by statement.
import type { Arg, Expr, Pos, Stmt } from './ast.js';
import { parseScript } from './ast.js';
import { API, type Cmd, type ConsoleHost, ConsoleRuntimeError, lookup, recMember, type Rt, STATICS } from './api.js';
import { ScriptSyntaxError } from './lexer.js';
import { type Scope, type V, type VO, equal, is, isVO, kindOf, node, seq, show, thunk, tuple } from './values.js';

export class CompileError extends Error {}
export class ScriptRuntimeError extends Error {}

interface Param { name: string; optional: boolean; lazy: boolean; vararg: boolean }
const parseParam = (p: string): Param => {
  const lazy = p.startsWith('=>');
  const vararg = p.startsWith('*');
  const name = p.replace(/^=>|^\*/, '').replace(/\?$/, '');
  return { name, optional: p.endsWith('?') || vararg, lazy, vararg };
};

/** scalac-style binding of positional and named arguments to a parameter list. */
function bind(what: string, params: string[], args: Arg[], at: Pos): Map<Param, Expr[]> {
  const ps = params.map(parseParam);
  const out = new Map<Param, Expr[]>();
  let pos = 0;
  for (const a of args) {
    if (a.name !== undefined) {
      const p = ps.find((x) => x.name === a.name);
      if (!p) throw new CompileError(loc(at, `unknown parameter name: ${a.name} (in ${what})`));
      if (out.has(p)) throw new CompileError(loc(at, `parameter '${a.name}' is already specified at parameter position ${ps.indexOf(p) + 1}`));
      out.set(p, [a.value]);
      continue;
    }
    const p = ps[pos];
    if (p?.vararg) { out.set(p, [...(out.get(p) ?? []), a.value]); continue; }
    if (!p) throw new CompileError(loc(at, `too many arguments (found ${args.length}, expected ${ps.length}) for method ${what}`));
    if (out.has(p)) throw new CompileError(loc(at, `parameter '${p.name}' is already specified`));
    out.set(p, [a.value]);
    pos++;
  }
  const missing = ps.filter((p) => !p.optional && !out.has(p));
  if (missing.length > 0) throw new CompileError(loc(at, `not enough arguments for method ${what}: (${ps.map((p) => p.name).join(', ')}). Unspecified value parameter ${missing.map((p) => p.name).join(', ')}.`));
  return out;
}

const loc = (at: Pos, msg: string): string => `(console):${at.line}:${at.col}: ${msg}`;

// ---------------------------------------------------------------------------------------- static
type T = { kind: string; path: string[]; cmd?: Cmd } | null; // null = unknown type, not checked

export function check(stmts: Stmt[], nodeNames: Map<string, string>): void {
  const scope = new Map<string, T>();
  const walkStmts = (ss: Stmt[], sc: Map<string, T>): T => {
    let last: T = null;
    for (const s of ss) {
      if (s.t === 'val') { const ty = expr(s.value, sc); sc.set(s.name, ty); last = null; }
      else if (s.t === 'expr') last = expr(s.e, sc);
    }
    return last;
  };
  const member = (ty: T, name: string, at: Pos, obj: Expr): T => {
    if (ty === null) return null;
    if (ty.cmd) ty = autoApply(ty, at);
    if (ty === null) return null;
    const path = [...ty.path, name];
    const r = lookup(ty.kind, path);
    if (r === undefined) {
      if (ty.kind.startsWith('rec:')) return null; // record fields are checked at run time
      throw new CompileError(loc(at, `value ${name} is not a member of ${describe(obj, ty)}`));
    }
    if (r === 'prefix') return { kind: ty.kind, path };
    if (r.cmd.params === undefined) return r.cmd.ret ? { kind: r.cmd.ret, path: [] } : null;
    return { kind: ty.kind, path, cmd: r.cmd };
  };
  const autoApply = (ty: T, at: Pos): T => {
    if (!ty?.cmd) return ty;
    bind(ty.path.join('.'), ty.cmd.params ?? [], [], at);
    return ty.cmd.ret ? { kind: ty.cmd.ret, path: [] } : null;
  };
  const expr = (e: Expr, sc: Map<string, T>, curried = false): T => {
    switch (e.t) {
      case 'lit': return typeof e.v === 'string' ? { kind: 'string', path: [] } : typeof e.v === 'number' ? { kind: 'number', path: [] } : null;
      case 'interp': for (const p of e.parts) if (typeof p !== 'string') expr(p, sc); return { kind: 'string', path: [] };
      case 'id': {
        if (sc.has(e.name)) return sc.get(e.name)!;
        const k = nodeNames.get(e.name);
        if (k) return { kind: k, path: [] };
        if (STATICS.has(e.name)) return { kind: `static:${e.name}`, path: [] };
        const g = lookup('global', [e.name]);
        if (g && g !== 'prefix') return g.cmd.params === undefined ? (g.cmd.ret ? { kind: g.cmd.ret, path: [] } : null) : { kind: 'global', path: [e.name], cmd: g.cmd };
        throw new CompileError(loc(e, `not found: value ${e.name}`));
      }
      case 'sel': return member(expr(e.obj, sc), e.name, e, e.obj);
      case 'call': {
        const f = expr(e.fn, sc, true);
        let c = f?.cmd;
        if (c && curried && c.alt) c = c.alt;
        if (!c && f && NOT_CALLABLE.has(f.kind)) throw new CompileError(loc(e, `${f.kind === 'unit' ? 'Unit' : f.kind === 'boolean' ? 'Boolean' : 'Int'} does not take parameters`));
        if (!c || !f) { for (const a of e.args) expr(a.value, sc); return null; }
        const b = bind(f.path.join('.'), c.params ?? [], e.args, e);
        for (const [, es] of b) for (const x of es) expr(x, sc);
        if (c !== f.cmd) return null; // the curried overload returns a function
        return c.ret ? { kind: c.ret, path: [] } : null;
      }
      case 'tuple': for (const x of e.items) expr(x, sc); return { kind: 'tuple', path: [] };
      case 'lambda': { const inner = new Map(sc); for (const p of e.params) inner.set(p, null); expr(e.body, inner); return null; }
      case 'block': return walkStmts(e.stmts, new Map(sc));
      case 'bin': {
        const l = autoApply(expr(e.l, sc), e), r = autoApply(expr(e.r, sc), e);
        return binType(e.op, l?.kind, r?.kind);
      }
      case 'un': { const t = autoApply(expr(e.e, sc), e); return e.op === '!' ? BOOL : t?.kind === 'number' ? t : null; }
      case 'if': expr(e.cond, sc); expr(e.then, sc); if (e.else) expr(e.else, sc); return null;
    }
  };
  walkStmts(stmts, scope);
}

const BOOL: T = { kind: 'boolean', path: [] };
const NOT_CALLABLE = new Set(['unit', 'boolean', 'number']);
/** Result type of an infix operator, as far as the checker needs it to check member selections on it. */
function binType(op: string, l: string | undefined, r: string | undefined): T {
  if (op === '->') return { kind: 'tuple', path: [] };
  if (['==', '!=', '<', '>', '<=', '>=', '&&', '||'].includes(op)) return BOOL;
  if (op === '+' && (l === 'string' || r === 'string')) return { kind: 'string', path: [] };
  if (l === 'number' && r === 'number') return { kind: 'number', path: [] };
  return null;
}

function describe(e: Expr, ty: T): string {
  const src = (x: Expr): string => (x.t === 'id' ? x.name : x.t === 'sel' ? `${src(x.obj)}.${x.name}` : x.t === 'call' ? `${src(x.fn)}(...)` : '<expr>');
  return ty && ty.path.length > 0 ? src(e) : `${src(e)} (${ty?.kind ?? 'unknown'})`;
}

// ---------------------------------------------------------------------------------------- runtime
export class Interp implements Rt {
  private readonly global: Scope = { vars: new Map() };
  constructor(readonly host: ConsoleHost) {
    for (const n of host.nodes) this.global.vars.set(n.name, node(n.kind, n.name));
    for (const s of STATICS) this.global.vars.set(s, { k: 'static', name: s });
  }

  async runScript(src: string): Promise<void> {
    let stmts: Stmt[];
    try { stmts = parseScript(src); } catch (e) {
      if (e instanceof ScriptSyntaxError) throw new CompileError(loc(e, e.message));
      throw e;
    }
    check(stmts, new Map(this.host.nodes.map((n) => [n.name, n.kind])));
    for (const s of stmts) await this.stmt(s, this.global);
  }

  private async stmt(s: Stmt, sc: Scope): Promise<V> {
    try {
      if (s.t === 'val') { sc.vars.set(s.name, await this.value(s.value, sc)); return null; }
      if (s.t === 'expr') return await this.value(s.e, sc);
      return null;
    } catch (e) {
      if (e instanceof ConsoleRuntimeError) throw new ScriptRuntimeError(loc(s, e.message));
      throw e;
    }
  }

  /** Evaluate and force: a bare command reference used as a value is invoked without arguments. */
  async value(e: Expr, sc: Scope): Promise<V> {
    const v = await this.eval(e, sc);
    if (is(v, 'member')) {
      const c = v.cmd as Cmd | undefined;
      if (!c) throw new ConsoleRuntimeError(`missing argument list for ${(v.path as string[]).join('.')}`);
      return this.invoke(c, v.recv as V, (v.path as string[]).join('.'), [], sc, e);
    }
    return v;
  }

  private lookupVar(name: string, sc: Scope): V | undefined {
    for (let s: Scope | undefined = sc; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name)!;
    return undefined;
  }

  private async eval(e: Expr, sc: Scope, curried = false): Promise<V> {
    switch (e.t) {
      case 'lit': return e.v;
      case 'interp': {
        let out = '';
        for (const p of e.parts) out += typeof p === 'string' ? p : show(await this.value(p, sc));
        return out;
      }
      case 'id': {
        const v = this.lookupVar(e.name, sc);
        if (v !== undefined) return v;
        const g = lookup('global', [e.name]);
        if (g && g !== 'prefix') return g.cmd.params === undefined ? g.cmd.run(this, null, {}) : { k: 'member', recv: null, path: [e.name], cmd: g.cmd };
        throw new ConsoleRuntimeError(`not found: value ${e.name}`);
      }
      case 'sel': return this.select(await this.eval(e.obj, sc), e.name, sc, e);
      case 'call': {
        const f = await this.eval(e.fn, sc, true);
        if (is(f, 'member') && f.cmd) {
          let c = f.cmd as Cmd;
          if (curried && c.alt) c = c.alt;
          return this.invoke(c, f.recv as V, (f.path as string[]).join('.'), e.args, sc, e);
        }
        if (is(f, 'native')) return this.invoke(f.cmd as Cmd, null, 'apply', e.args, sc, e);
        if (is(f, 'fn')) {
          const vals: V[] = [];
          for (const a of e.args) vals.push(await this.value(a.value, sc));
          return this.apply(f, vals);
        }
        throw new ConsoleRuntimeError(`${show(f)} does not take parameters`);
      }
      case 'tuple': { const items: V[] = []; for (const x of e.items) items.push(await this.value(x, sc)); return tuple(items); }
      case 'lambda': return { k: 'fn', params: e.params, body: e.body, scope: sc };
      case 'block': {
        const inner: Scope = { vars: new Map(), parent: sc };
        let last: V = null;
        for (const s of e.stmts) last = await this.stmt(s, inner);
        return last;
      }
      case 'un': {
        const v = await this.value(e.e, sc);
        if (e.op === '!') return v !== true;
        return typeof v === 'number' ? -v : fail(`bad operand for unary -: ${show(v)}`);
      }
      case 'bin': return this.binary(e.op, e.l, e.r, sc);
      case 'if': {
        if ((await this.value(e.cond, sc)) === true) return this.value(e.then, sc);
        return e.else ? this.value(e.else, sc) : null;
      }
    }
  }

  private async binary(op: string, l: Expr, r: Expr, sc: Scope): Promise<V> {
    if (op === '&&') return (await this.value(l, sc)) === true && (await this.value(r, sc)) === true;
    if (op === '||') return (await this.value(l, sc)) === true || (await this.value(r, sc)) === true;
    const a = await this.value(l, sc), b = await this.value(r, sc);
    switch (op) {
      case '->': return tuple([a, b]);
      case '==': return equal(a, b);
      case '!=': return !equal(a, b);
      case '+': return typeof a === 'number' && typeof b === 'number' ? a + b : show(a) + show(b);
    }
    if (typeof a !== 'number' || typeof b !== 'number') return fail(`operator ${op} needs numbers`);
    switch (op) {
      case '-': return a - b; case '*': return a * b; case '/': return Math.trunc(a / b); case '%': return a % b;
      case '<': return a < b; case '>': return a > b; case '<=': return a <= b; case '>=': return a >= b;
    }
    return fail(`unknown operator ${op}`);
  }

  private async select(v: V, name: string, sc: Scope, at: Pos): Promise<V> {
    if (is(v, 'member') && v.cmd) v = await this.invoke(v.cmd as Cmd, v.recv as V, (v.path as string[]).join('.'), [], sc, at);
    const recv = is(v, 'member') ? (v.recv as V) : v;
    const path = is(v, 'member') ? [...(v.path as string[]), name] : [name];
    if (is(recv, 'rec') && path.length === 1) {
      const m = recMember(recv, name);
      if (m === undefined) return fail(`value ${name} is not a member of ${String(recv.type)}`);
      if (isVO(m as V) && typeof (m as Cmd).run === 'function') return { k: 'member', recv, path, cmd: m };
      return m as V;
    }
    const r = lookup(kindOf(recv), path);
    if (r === undefined) return fail(`value ${name} is not a member of ${show(recv)}`);
    if (r === 'prefix') return { k: 'member', recv, path };
    if (r.cmd.params === undefined) return r.cmd.run(this, recv, {});
    return { k: 'member', recv, path, cmd: r.cmd };
  }

  private async invoke(c: Cmd, recv: V, what: string, args: Arg[], sc: Scope, at: Pos): Promise<V> {
    const b = bind(what, c.params ?? [], args, at);
    const a: Record<string, V> = {};
    for (const [p, es] of b) {
      if (p.vararg) { const vs: V[] = []; for (const x of es) vs.push(await this.value(x, sc)); a[p.name] = seq(vs); }
      else a[p.name] = p.lazy ? thunk(es[0]!, sc) : await this.value(es[0]!, sc);
    }
    return c.run(this, recv, a);
  }

  async force(v: V): Promise<V> {
    if (is(v, 'thunk')) return this.value(v.expr as Expr, v.scope as Scope);
    return v;
  }

  async apply(fn: V, args: V[]): Promise<V> {
    if (!is(fn, 'fn')) {
      if (is(fn, 'thunk')) return this.apply(await this.force(fn), args);
      return fail(`${show(fn)} is not a function`);
    }
    const params = fn.params as string[];
    const inner: Scope = { vars: new Map(params.map((p, i) => [p, args[i] ?? null])), parent: fn.scope as Scope };
    return this.value(fn.body as Expr, inner);
  }
}

const fail = (m: string): never => { throw new ConsoleRuntimeError(m); };
export type { VO };
export { API };
