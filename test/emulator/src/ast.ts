// AST of the console-script subset and its parser (recursive descent). Call expressions keep named
// and positional arguments apart so that the interpreter can bind them to command signatures in
// general, the way scalac does, and reject unknown commands or parameter names.
import { type InterpPart, type Tok, ScriptSyntaxError, tokenize } from './lexer.js';

export interface Pos { line: number; col: number }
export type Expr =
  | ({ t: 'lit'; v: string | number | boolean | null } & Pos)
  | ({ t: 'interp'; parts: Array<string | Expr> } & Pos)
  | ({ t: 'id'; name: string } & Pos)
  | ({ t: 'sel'; obj: Expr; name: string } & Pos)
  | ({ t: 'call'; fn: Expr; args: Arg[]; block?: boolean } & Pos)
  | ({ t: 'tuple'; items: Expr[] } & Pos)
  | ({ t: 'lambda'; params: string[]; body: Expr } & Pos)
  | ({ t: 'block'; stmts: Stmt[] } & Pos)
  | ({ t: 'bin'; op: string; l: Expr; r: Expr } & Pos)
  | ({ t: 'un'; op: string; e: Expr } & Pos)
  | ({ t: 'if'; cond: Expr; then: Expr; else?: Expr } & Pos);
export interface Arg { name?: string; value: Expr }
export type Stmt = ({ t: 'val'; name: string; value: Expr } & Pos) | ({ t: 'expr'; e: Expr } & Pos) | ({ t: 'import' } & Pos);

const PREC: Record<string, number> = { '||': 1, '&&': 2, '==': 3, '!=': 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '->': 5, '+': 6, '-': 6, '*': 7, '/': 7, '%': 7 };

export function parseScript(src: string): Stmt[] {
  return new Parser(tokenize(src)).program();
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(o = 0): Tok { return this.toks[Math.min(this.i + o, this.toks.length - 1)]!; }
  private next(): Tok { return this.toks[this.i++]!; }
  private isOp(text: string, o = 0): boolean { const t = this.peek(o); return t.kind === 'op' && t.text === text; }
  private isId(text: string): boolean { const t = this.peek(); return t.kind === 'ident' && t.text === text; }
  private fail(msg: string, t: Tok = this.peek()): never { throw new ScriptSyntaxError(msg, t.line, t.col); }
  private expectOp(text: string): Tok {
    if (!this.isOp(text)) this.fail(`'${text}' expected but ${this.describe(this.peek())} found.`);
    return this.next();
  }
  private describe(t: Tok): string { return t.kind === 'eof' ? 'end of file' : t.kind === 'nl' ? 'newline' : `'${t.text}'`; }
  private skipSeps(): void { while (this.peek().kind === 'nl' || this.isOp(';')) this.next(); }

  program(): Stmt[] {
    const out = this.stmts('eof');
    if (this.peek().kind !== 'eof') this.fail(`illegal start of statement: ${this.describe(this.peek())}`);
    return out;
  }

  private stmts(end: 'eof' | '}'): Stmt[] {
    const out: Stmt[] = [];
    this.skipSeps();
    while (!(end === 'eof' ? this.peek().kind === 'eof' : this.isOp('}'))) {
      out.push(this.stmt());
      const t = this.peek();
      if (!(t.kind === 'nl' || this.isOp(';') || t.kind === 'eof' || (end === '}' && this.isOp('}')))) {
        this.fail(`';' expected but ${this.describe(t)} found.`);
      }
      this.skipSeps();
    }
    return out;
  }

  private stmt(): Stmt {
    const t = this.peek();
    if (t.kind === 'ident' && (t.text === 'val' || t.text === 'var')) {
      this.next();
      const n = this.next();
      if (n.kind !== 'ident') this.fail('identifier expected', n);
      if (this.isOp(':')) { this.next(); this.skipType(); }
      this.expectOp('=');
      return { t: 'val', name: n.text, value: this.expr(), line: t.line, col: t.col };
    }
    if (t.kind === 'ident' && t.text === 'import') {
      while (this.peek().kind !== 'nl' && this.peek().kind !== 'eof' && !this.isOp(';')) this.next();
      return { t: 'import', line: t.line, col: t.col };
    }
    return { t: 'expr', e: this.expr(), line: t.line, col: t.col };
  }

  /** Types are skipped, not checked: `val x: Seq[PartyId] = …`, `Seq[Int]()`, `(x: Int) => …`. */
  private skipType(): void {
    let depth = 0;
    while (this.peek().kind !== 'eof') {
      if (depth === 0 && (this.isOp('=') || this.isOp(')') || this.isOp(',') || this.isOp(']'))) return;
      if (this.isOp('[') || this.isOp('(')) depth++;
      if (this.isOp(']') || this.isOp(')')) depth--;
      this.next();
    }
  }

  /** At `(`: `(a, b: T) => …` or `() => …` is a lambda's parameter list; anything else is not (restores). */
  private lambdaParams(): string[] | undefined {
    const start = this.i;
    this.next();
    const params: string[] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      if (t.kind !== 'ident' && !this.isOp('_')) { this.i = start; return undefined; }
      this.next();
      params.push(t.text);
      if (this.isOp(':')) { this.next(); this.skipType(); }
      if (this.isOp(',')) { this.next(); continue; }
      if (!this.isOp(')')) { this.i = start; return undefined; }
    }
    this.next();
    if (!this.isOp('=>')) { this.i = start; return undefined; }
    this.next();
    return params;
  }

  expr(): Expr {
    const t = this.peek();
    // x => body
    if (t.kind === 'ident' && this.isOp('=>', 1)) {
      this.next(); this.next();
      return { t: 'lambda', params: [t.text], body: this.expr(), line: t.line, col: t.col };
    }
    if (t.kind === 'ident' && t.text === 'if') {
      this.next(); this.expectOp('(');
      const cond = this.expr(); this.expectOp(')');
      while (this.peek().kind === 'nl') this.next(); // newlines are allowed between the condition and the branch
      const then = this.expr();
      let k = 0; while (this.peek(k).kind === 'nl') k++;
      const p = this.peek(k);
      let els: Expr | undefined;
      if (p.kind === 'ident' && p.text === 'else') {
        this.i += k + 1;
        while (this.peek().kind === 'nl') this.next();
        els = this.expr();
      }
      return { t: 'if', cond, then, else: els, line: t.line, col: t.col };
    }
    return this.binary(0);
  }

  private binary(min: number): Expr {
    let l = this.unary();
    for (;;) {
      const t = this.peek();
      const p = t.kind === 'op' ? PREC[t.text] : undefined;
      if (p === undefined || p <= min) return l;
      this.next();
      const r = this.binary(p);
      l = { t: 'bin', op: t.text, l, r, line: t.line, col: t.col };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.isOp('!') || this.isOp('-')) { this.next(); return { t: 'un', op: t.text, e: this.unary(), line: t.line, col: t.col }; }
    return this.postfix(this.primary());
  }

  private postfix(e: Expr): Expr {
    // scalac: a block expression `{ … }` (like `if`) takes no argument list until a member is selected.
    let applicable = e.t !== 'block';
    for (;;) {
      const t = this.peek();
      if (this.isOp('.')) {
        this.next();
        const n = this.next();
        if (n.kind !== 'ident') this.fail('identifier expected', n);
        e = { t: 'sel', obj: e, name: n.text, line: n.line, col: n.col };
        applicable = true;
      } else if (!applicable) {
        return e;
      } else if (this.isOp('[') && (e.t === 'id' || e.t === 'sel')) {
        this.next(); this.skipType(); this.expectOp(']'); // type arguments: Seq[PartyId](…)
      } else if (this.isOp('(')) {
        this.next();
        e = { t: 'call', fn: e, args: this.args(), line: t.line, col: t.col };
      } else if (this.isOp('{')) {
        const b = this.blockExpr();
        e = { t: 'call', fn: e, args: [{ value: b }], block: true, line: t.line, col: t.col };
      } else return e;
    }
  }

  private args(): Arg[] {
    const out: Arg[] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      let arg: Arg;
      if (t.kind === 'ident' && this.isOp('=', 1)) { this.next(); this.next(); arg = { name: t.text, value: this.placeholder(this.expr()) }; }
      else arg = { value: this.placeholder(this.expr()) };
      out.push(arg);
      if (this.isOp(',')) { this.next(); continue; }
      if (!this.isOp(')')) this.fail(`')' expected but ${this.describe(this.peek())} found.`);
    }
    this.next();
    return out;
  }

  /** `_.copy(manualConnect = true)` as an argument is shorthand for `x => x.copy(...)`. */
  private placeholder(e: Expr): Expr {
    return hasPlaceholder(e) ? { t: 'lambda', params: ['_'], body: e, line: e.line, col: e.col } : e;
  }

  private blockExpr(): Expr {
    const t = this.expectOp('{');
    // { x => ... } block lambdas
    const stmts = this.stmts('}');
    this.expectOp('}');
    return { t: 'block', stmts, line: t.line, col: t.col };
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === 'num') { this.next(); return { t: 'lit', v: t.value as number, line: t.line, col: t.col }; }
    if (t.kind === 'str') { this.next(); return { t: 'lit', v: t.value as string, line: t.line, col: t.col }; }
    if (t.kind === 'interp') {
      this.next();
      const parts = (t.value as InterpPart[]).map((p) => {
        if ('lit' in p) return p.lit;
        try { return new Parser(tokenize(p.expr)).expr(); } catch (e) {
          if (e instanceof ScriptSyntaxError) throw new ScriptSyntaxError(e.message, p.line, p.col);
          throw e;
        }
      });
      return { t: 'interp', parts, line: t.line, col: t.col };
    }
    if (t.kind === 'ident') {
      this.next();
      if (t.text === 'true' || t.text === 'false') return { t: 'lit', v: t.text === 'true', line: t.line, col: t.col };
      if (t.text === 'null') return { t: 'lit', v: null, line: t.line, col: t.col };
      if (t.text === 'new') return this.primary();
      return { t: 'id', name: t.text, line: t.line, col: t.col };
    }
    if (this.isOp('_')) { this.next(); return { t: 'id', name: '_', line: t.line, col: t.col }; }
    if (this.isOp('(')) {
      const params = this.lambdaParams();
      if (params) return { t: 'lambda', params, body: this.expr(), line: t.line, col: t.col };
      this.next();
      if (this.isOp(')')) { this.next(); return { t: 'lit', v: null, line: t.line, col: t.col }; } // ()
      const items = [this.expr()];
      while (this.isOp(',')) { this.next(); if (this.isOp(')')) break; items.push(this.expr()); }
      this.expectOp(')');
      return items.length === 1 ? items[0]! : { t: 'tuple', items, line: t.line, col: t.col };
    }
    if (this.isOp('{')) return this.blockExpr();
    this.fail(`illegal start of simple expression: ${this.describe(t)}`);
  }
}

function hasPlaceholder(e: Expr): boolean {
  switch (e.t) {
    case 'id': return e.name === '_';
    case 'sel': return hasPlaceholder(e.obj);
    case 'call': return hasPlaceholder(e.fn) || e.args.some((a) => a.value.t !== 'lambda' && hasPlaceholder(a.value));
    case 'bin': return hasPlaceholder(e.l) || hasPlaceholder(e.r);
    case 'un': return hasPlaceholder(e.e);
    default: return false;
  }
}
