// SPDX-License-Identifier: MIT
// The .npy header is a Python dict literal (`{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`) and
// numpy reads it with ast.literal_eval. This is a parser for the part of that grammar a header uses (strings,
// True/False, ints, tuples), so duplicate or unknown keys and wrong types are refused as numpy would refuse
// them, rather than a regular expression picking one of two 'descr' entries.

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

type Literal = string | boolean | number | Literal[];

class LiteralReader {
  at = 0;
  constructor(
    private readonly text: string,
    private readonly fail: (problem: string) => never,
  ) {}

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }

  /** Consumes `token` (after spaces) when it is next; returns whether it was. */
  eat(token: string): boolean {
    this.space();
    if (!this.text.startsWith(token, this.at)) return false;
    this.at += token.length;
    return true;
  }

  expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected '${token}' at character ${this.at}`);
  }

  end(): void {
    this.space();
    if (this.at !== this.text.length) this.fail(`unexpected text after the dict at character ${this.at}`);
  }

  string(): string {
    this.space();
    const quote = this.text[this.at];
    if (quote !== "'" && quote !== '"') return this.fail(`expected a string at character ${this.at}`);
    const close = this.text.indexOf(quote, this.at + 1);
    if (close < 0) this.fail('unterminated string');
    const body = this.text.slice(this.at + 1, close);
    if (body.includes('\\')) this.fail('escapes in strings are not supported');
    this.at = close + 1;
    return body;
  }

  value(depth = 0): Literal {
    this.space();
    if (depth > 8) this.fail('values nested too deeply');
    const c = this.text[this.at];
    if (c === "'" || c === '"') return this.string();
    if (this.eat('True')) return true;
    if (this.eat('False')) return false;
    if (this.eat('(')) return this.sequence(')', depth);
    if (this.eat('[')) return this.sequence(']', depth);
    const digits = /^\d{1,16}L?/.exec(this.text.slice(this.at, this.at + 17))?.[0];
    if (digits === undefined) return this.fail(`unexpected character ${JSON.stringify(c ?? 'end of header')} at ${this.at}`);
    this.at += digits.length;
    const n = Number(digits.replace(/L$/, ''));
    if (!Number.isSafeInteger(n)) this.fail(`integer ${digits} is too large`);
    return n;
  }

  private sequence(close: string, depth: number): Literal[] {
    const items: Literal[] = [];
    while (!this.eat(close)) {
      items.push(this.value(depth + 1));
      if (!this.eat(',')) {
        this.expect(close);
        break;
      }
    }
    return items;
  }
}

/** Parses a header's text; `fail` names the file. Exactly the keys descr, fortran_order and shape, each once. */
export function parseNpyHeader(text: string, fail: (problem: string) => never): NpyHeader {
  const reader = new LiteralReader(text, fail);
  reader.expect('{');
  const entries = new Map<string, Literal>();
  while (!reader.eat('}')) {
    const key = reader.string();
    reader.expect(':');
    if (entries.has(key)) fail(`has the key '${key}' twice`);
    entries.set(key, reader.value());
    if (!reader.eat(',')) {
      reader.expect('}');
      break;
    }
  }
  reader.end();
  const keys = [...entries.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') fail(`must have exactly the keys descr, fortran_order and shape; has ${keys || 'none'}`);
  const descr = entries.get('descr');
  const fortranOrder = entries.get('fortran_order');
  const shape = entries.get('shape');
  if (typeof descr !== 'string') fail('descr is not a string (structured dtypes are not supported)');
  if (typeof fortranOrder !== 'boolean') fail('fortran_order is not True or False');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number')) fail('shape is not a tuple of integers');
  return { descr: descr as string, fortranOrder: fortranOrder as boolean, shape: shape as number[] };
}
