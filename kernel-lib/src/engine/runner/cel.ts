/**
 * The subset of CEL (https://github.com/google/cel-spec) that KFP's compiler writes into
 * `triggerPolicy.condition`: `inputs.parameter_values['name']`, `int(...)`, `double(...)`,
 * `string(...)`, string, number, boolean and null literals, `== != < <= > >=`, `!`, unary `-`,
 * `&&`, `||` and parentheses.
 *
 * Strings take CEL's backslash escapes; inside a single-quoted string a doubled quote (`''`) also
 * stands for one quote, which CEL would reject anyway, so accepting it changes no valid expression.
 */
import type { JsonValue } from '../../dsl/types';
import { ConditionError } from './errors';

type Token =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'ident'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'end'; pos: number };

type Node =
  | { kind: 'literal'; value: JsonValue }
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'member'; object: Node; field: string; pos: number }
  | { kind: 'index'; object: Node; index: Node; pos: number }
  | { kind: 'call'; name: string; args: Node[]; pos: number }
  | { kind: 'not' | 'negate'; operand: Node; pos: number }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'compare'; op: string; left: Node; right: Node; pos: number };

const OPERATORS = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '<',
  '>',
  '!',
  '-',
  '(',
  ')',
  '[',
  ']',
  '.',
  ',',
];
const ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '?': '?',
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const fail = (message: string, pos: number): never => {
    throw new ConditionError(`${message} at position ${pos} in condition: ${text}`, text, pos);
  };
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated string', start);
        const d = text.charAt(i);
        if (d === c) {
          if (c === "'" && text.charAt(i + 1) === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\\') {
          const e = text.charAt(i + 1);
          if (e === 'u' || e === 'x' || e === 'U') {
            const length = e === 'x' ? 2 : e === 'u' ? 4 : 8;
            const hex = text.slice(i + 2, i + 2 + length);
            if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(hex)) fail('bad escape', i);
            value += String.fromCodePoint(parseInt(hex, 16));
            i += 2 + length;
            continue;
          }
          const escaped = ESCAPES[e];
          if (escaped === undefined) fail(`unknown escape \\${e}`, i);
          value += escaped;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      tokens.push({ kind: 'string', value, pos: start });
      continue;
    }
    const number =
      /^(?:\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|0[xX][0-9a-fA-F]+|\d+)[uU]?/.exec(
        text.slice(i),
      );
    if (number && /[\d.]/.test(c)) {
      const literal = number[0].replace(/[uU]$/, '');
      tokens.push({ kind: 'number', value: Number(literal), pos: start });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', value: ident[0], pos: start });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) fail(`unexpected character '${c}'`, i);
    tokens.push({ kind: 'op', value: op as string, pos: start });
    i += (op as string).length;
  }
  tokens.push({ kind: 'end', pos: text.length });
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Node {
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'end') this.fail(`unexpected ${this.describe(t)}`, t.pos);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i] ?? { kind: 'end', pos: this.text.length };
  }
  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === value;
  }
  private expect(value: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.value !== value)
      this.fail(`expected '${value}' but found ${this.describe(t)}`, t.pos);
  }
  private describe(t: Token): string {
    return t.kind === 'end' ? 'the end of the expression' : `'${String(t.value)}'`;
  }
  private fail(message: string, pos: number): never {
    throw new ConditionError(
      `${message} at position ${pos} in condition: ${this.text}`,
      this.text,
      pos,
    );
  }

  private or(): Node {
    let left = this.and();
    while (this.isOp('||')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): Node {
    let left = this.relation();
    while (this.isOp('&&')) {
      this.next();
      left = { kind: 'and', left, right: this.relation() };
    }
    return left;
  }
  private relation(): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !['==', '!=', '<', '<=', '>', '>='].includes(t.value)) return left;
      this.next();
      left = { kind: 'compare', op: t.value, left, right: this.unary(), pos: t.pos };
    }
  }
  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '!' || t.value === '-')) {
      this.next();
      return { kind: t.value === '!' ? 'not' : 'negate', operand: this.unary(), pos: t.pos };
    }
    return this.member();
  }
  private member(): Node {
    let node = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && t.value === '.') {
        this.next();
        const field = this.next();
        if (field.kind !== 'ident') this.fail(`expected a field name after '.'`, field.pos);
        node = { kind: 'member', object: node, field: field.value as string, pos: field.pos };
      } else if (t.kind === 'op' && t.value === '[') {
        this.next();
        const index = this.or();
        this.expect(']');
        node = { kind: 'index', object: node, index, pos: t.pos };
      } else {
        return node;
      }
    }
  }
  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: t.value };
      case 'ident': {
        if (t.value === 'true' || t.value === 'false')
          return { kind: 'literal', value: t.value === 'true' };
        if (t.value === 'null') return { kind: 'literal', value: null };
        if (this.isOp('(')) {
          this.next();
          const args: Node[] = [];
          if (!this.isOp(')')) {
            args.push(this.or());
            while (this.isOp(',')) {
              this.next();
              args.push(this.or());
            }
          }
          this.expect(')');
          return { kind: 'call', name: t.value, args, pos: t.pos };
        }
        return { kind: 'ident', name: t.value, pos: t.pos };
      }
      case 'op':
        if (t.value === '(') {
          const node = this.or();
          this.expect(')');
          return node;
        }
        return this.fail(`unexpected ${this.describe(t)}`, t.pos);
      default:
        return this.fail('unexpected end of the expression', t.pos);
    }
  }
}

function typeName(v: JsonValue | undefined): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  return typeof v === 'boolean' ? 'bool' : typeof v;
}

function equal(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equal(x, b[i] as JsonValue));
  }
  if (
    a &&
    b &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => k in b && equal(a[k] as JsonValue, b[k] as JsonValue))
    );
  }
  return false;
}

class Evaluator {
  constructor(
    private readonly text: string,
    private readonly env: Record<string, JsonValue>,
  ) {}

  private fail(message: string, pos?: number): never {
    const where = pos === undefined ? '' : ` at position ${pos}`;
    throw new ConditionError(`${message}${where} in condition: ${this.text}`, this.text, pos);
  }

  evaluate(node: Node): JsonValue {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'ident': {
        if (!(node.name in this.env)) this.fail(`undeclared reference '${node.name}'`, node.pos);
        return this.env[node.name] as JsonValue;
      }
      case 'member':
        return this.lookup(this.evaluate(node.object), node.field, node.pos);
      case 'index': {
        const object = this.evaluate(node.object);
        const index = this.evaluate(node.index);
        if (Array.isArray(object)) {
          if (typeof index !== 'number' || !Number.isInteger(index)) {
            this.fail(`a list index must be an int, not ${typeName(index)}`, node.pos);
          }
          if (index < 0 || index >= object.length)
            this.fail(`index ${index} out of range`, node.pos);
          return object[index] as JsonValue;
        }
        if (typeof index !== 'string')
          this.fail(`a map key must be a string here, not ${typeName(index)}`, node.pos);
        return this.lookup(object, index, node.pos);
      }
      case 'call':
        return this.call(
          node.name,
          node.args.map((a) => this.evaluate(a)),
          node.pos,
        );
      case 'not': {
        const v = this.evaluate(node.operand);
        if (typeof v !== 'boolean') this.fail(`'!' needs a bool, not ${typeName(v)}`, node.pos);
        return !v;
      }
      case 'negate': {
        const v = this.evaluate(node.operand);
        if (typeof v !== 'number') this.fail(`'-' needs a number, not ${typeName(v)}`, node.pos);
        return -v;
      }
      case 'and':
      case 'or': {
        const left = this.bool(node.left);
        if (node.kind === 'and' ? !left : left) return left;
        return this.bool(node.right);
      }
      case 'compare':
        return this.compare(node.op, this.evaluate(node.left), this.evaluate(node.right), node.pos);
    }
  }

  private bool(node: Node): boolean {
    const v = this.evaluate(node);
    if (typeof v !== 'boolean') this.fail(`'&&' and '||' need bools, not ${typeName(v)}`);
    return v;
  }

  private lookup(object: JsonValue, key: string, pos: number): JsonValue {
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      this.fail(`cannot select '${key}' from a ${typeName(object)}`, pos);
    }
    if (!Object.prototype.hasOwnProperty.call(object, key)) this.fail(`no such key '${key}'`, pos);
    return object[key] as JsonValue;
  }

  private call(name: string, args: JsonValue[], pos: number): JsonValue {
    if (args.length !== 1) this.fail(`${name}() takes one argument, got ${args.length}`, pos);
    const v = args[0] as JsonValue;
    switch (name) {
      case 'int': {
        if (typeof v === 'number') {
          if (!Number.isFinite(v)) this.fail(`int(${v}) is out of range`, pos);
          return Math.trunc(v);
        }
        if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return parseInt(v, 10);
        if (typeof v === 'boolean') return v ? 1 : 0;
        return this.fail(`int() cannot convert ${JSON.stringify(v)}`, pos);
      }
      case 'double': {
        if (typeof v === 'number') return v;
        if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))
          return Number(v);
        return this.fail(`double() cannot convert ${JSON.stringify(v)}`, pos);
      }
      case 'string':
        if (typeof v === 'string') return v;
        if (typeof v === 'number' || typeof v === 'boolean') return String(v);
        return this.fail(`string() cannot convert a ${typeName(v)}`, pos);
      case 'bool':
        if (typeof v === 'boolean') return v;
        if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
        return this.fail(`bool() cannot convert ${JSON.stringify(v)}`, pos);
      default:
        return this.fail(`unknown function '${name}'`, pos);
    }
  }

  private compare(op: string, a: JsonValue, b: JsonValue, pos: number): boolean {
    if (op === '==') return equal(a, b);
    if (op === '!=') return !equal(a, b);
    let order: number;
    if (typeof a === 'number' && typeof b === 'number') order = a - b;
    else if (typeof a === 'string' && typeof b === 'string') order = a < b ? -1 : a > b ? 1 : 0;
    else if (typeof a === 'boolean' && typeof b === 'boolean') order = Number(a) - Number(b);
    else return this.fail(`cannot compare ${typeName(a)} ${op} ${typeName(b)}`, pos);
    switch (op) {
      case '<':
        return order < 0;
      case '<=':
        return order <= 0;
      case '>':
        return order > 0;
      default:
        return order >= 0;
    }
  }
}

/** A parsed condition, reusable across evaluations. */
export interface CompiledCondition {
  readonly text: string;
  evaluate(env: Record<string, JsonValue>): JsonValue;
}

/** Parses a CEL expression; throws {@link ConditionError} on a syntax error. */
export function compileCel(text: string): CompiledCondition {
  const ast = new Parser(text, tokenize(text)).parse();
  return { text, evaluate: (env) => new Evaluator(text, env).evaluate(ast) };
}

/**
 * Evaluates a `triggerPolicy.condition` against a task's input parameters, as KFP does: the
 * expression sees `inputs.parameter_values` (and its deprecated alias `inputs.parameters`).
 * Throws {@link ConditionError} when it is invalid or does not give a bool.
 */
export function evaluateCondition(
  text: string,
  parameterValues: Record<string, JsonValue>,
): boolean {
  const inputs = { parameter_values: parameterValues, parameters: parameterValues };
  const value = compileCel(text).evaluate({ inputs });
  if (typeof value !== 'boolean') {
    throw new ConditionError(
      `condition gave ${typeName(value)} ${JSON.stringify(value)}, not a bool: ${text}`,
      text,
    );
  }
  return value;
}
