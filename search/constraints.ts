import { InputError } from '../errors';
import type { Params } from './types';

/** An arithmetic expression over parameters, as plain JSON. */
export type Expr =
  | { num: number }
  | { name: string }
  | { neg: Expr }
  | { op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

export type Comparator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/**
 * A parsed constraint such as `fast * 2 < slow` or `0 < a <= b`: every adjacent pair of terms must compare true.
 * Parameters are compared as numbers; a non-numeric value makes the constraint false.
 */
export interface Constraint {
  text: string;
  terms: Expr[];
  comparators: Comparator[];
}

type Token = { kind: 'num'; value: number; at: number } | { kind: 'name' | 'sym'; text: string; at: number };

const COMPARATORS: readonly string[] = ['<=', '>=', '==', '!=', '<', '>'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest);
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    const sym = COMPARATORS.find((c) => rest.startsWith(c)) ?? (/^[-+*/()]/.exec(rest) ?? [])[0];
    if (space) i += space[0].length;
    else if (num) tokens.push({ kind: 'num', value: Number(num[0]), at: i }), (i += num[0].length);
    else if (name) tokens.push({ kind: 'name', text: name[0], at: i }), (i += name[0].length);
    else if (sym) tokens.push({ kind: 'sym', text: sym, at: i }), (i += sym.length);
    else {
      const hint = rest.startsWith('=') ? ' (did you mean "=="?)' : '';
      throw new InputError(`cannot parse constraint "${text}": unexpected "${rest[0]}" at position ${i + 1}${hint}`);
    }
  }
  return tokens;
}

/** Recursive descent over: compare := sum (cmp sum)+ ; sum := product (('+'|'-') product)* ; product := unary (('*'|'/') unary)* ; unary := '-' unary | atom. */
class Parser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Constraint {
    const terms = [this.sum()];
    const comparators: Comparator[] = [];
    while (this.peekSym(COMPARATORS)) {
      comparators.push(this.take().text as Comparator);
      terms.push(this.sum());
    }
    if (this.pos < this.tokens.length) this.fail('an operator');
    if (comparators.length === 0) this.fail('a comparison such as "<" or "!="');
    return { text: this.text, terms, comparators };
  }

  private sum(): Expr {
    let left = this.product();
    while (this.peekSym(['+', '-'])) left = { op: this.take().text as '+' | '-', left, right: this.product() };
    return left;
  }

  private product(): Expr {
    let left = this.unary();
    while (this.peekSym(['*', '/'])) left = { op: this.take().text as '*' | '/', left, right: this.unary() };
    return left;
  }

  private unary(): Expr {
    if (this.peekSym(['-'])) {
      this.pos++;
      return { neg: this.unary() };
    }
    const token = this.tokens[this.pos];
    if (token?.kind === 'num') return this.pos++, { num: token.value };
    if (token?.kind === 'name') return this.pos++, { name: token.text };
    if (this.peekSym(['('])) {
      this.pos++;
      const inner = this.sum();
      if (!this.peekSym([')'])) this.fail('")"');
      this.pos++;
      return inner;
    }
    return this.fail('a number, a parameter name or "("');
  }

  private peekSym(symbols: readonly string[]): boolean {
    const token = this.tokens[this.pos];
    return token?.kind === 'sym' && symbols.includes(token.text);
  }

  private take(): Token & { text: string } {
    return this.tokens[this.pos++] as Token & { text: string };
  }

  private fail(expected: string): never {
    const token = this.tokens[this.pos];
    const where = token ? `at position ${token.at + 1}` : 'at the end';
    throw new InputError(`cannot parse constraint "${this.text}": expected ${expected} ${where}`);
  }
}

/**
 * Parses a constraint between parameters, such as `fast < slow` or `fast * 2 <= slow - 5`.
 * Supports numbers, parameter names, `+ - * /`, parentheses and chained comparisons `< <= > >= == !=`.
 * The text is parsed, never evaluated as code.
 * @throws InputError on a syntax error, with the position.
 */
export function parseConstraint(text: string): Constraint {
  return new Parser(text, tokenize(text)).parse();
}

/** Parameter names a constraint refers to, each once. */
export function constraintNames(constraint: Constraint): string[] {
  const names = new Set<string>();
  const visit = (e: Expr): void => {
    if ('name' in e) names.add(e.name);
    else if ('neg' in e) visit(e.neg);
    else if ('op' in e) visit(e.left), visit(e.right);
  };
  constraint.terms.forEach(visit);
  return [...names];
}

function evaluate(e: Expr, params: Params): number {
  if ('num' in e) return e.num;
  if ('name' in e) {
    const v = params[e.name];
    return typeof v === 'number' ? v : NaN;
  }
  if ('neg' in e) return -evaluate(e.neg, params);
  const a = evaluate(e.left, params);
  const b = evaluate(e.right, params);
  return e.op === '+' ? a + b : e.op === '-' ? a - b : e.op === '*' ? a * b : a / b;
}

function compare(a: number, c: Comparator, b: number): boolean {
  switch (c) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b && !Number.isNaN(a) && !Number.isNaN(b);
  }
}

/** True when the parameters satisfy every constraint (an empty list is always satisfied). */
export function checkConstraints(params: Params, constraints: readonly Constraint[]): boolean {
  for (const { terms, comparators } of constraints) {
    let left = evaluate(terms[0] as Expr, params);
    for (let i = 0; i < comparators.length; i++) {
      const right = evaluate(terms[i + 1] as Expr, params);
      if (!compare(left, comparators[i] as Comparator, right)) return false;
      left = right;
    }
  }
  return true;
}
