// SPDX-License-Identifier: MIT
// Decoding of the pickle opcodes' argument formats: text lines of protocol 0 (`I`, `L`, `F`, `S`, `V`) and the
// little-endian two's-complement integers of LONG1/LONG4.

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

export function asciiText(bytes: Uint8Array): string {
  return latin1.decode(bytes);
}

/** UTF-8 text (BINUNICODE and friends); invalid sequences become U+FFFD rather than failing. */
export function unicodeText(bytes: Uint8Array): string {
  return utf8Lenient.decode(bytes);
}

/** Python 2 `str` payloads (BINSTRING, STRING): UTF-8 when valid, else Latin-1 (what torch.load does). */
export function py2Text(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1.decode(bytes);
  }
}

export function toIntValue(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** LONG1/LONG4 payload: little-endian two's complement (one BigInt parse of the hex digits: linear, not quadratic). */
export function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i]!.toString(16).padStart(2, '0');
  let value = BigInt(`0x${hex}`);
  if ((bytes[bytes.length - 1]! & 0x80) !== 0) value -= 1n << BigInt(8 * bytes.length);
  return toIntValue(value);
}

/** `I` / `L` lines: decimal (`L` may end in `L`); `I01`/`I00` are True/False. */
export function parseIntLine(text: string, allowBool: boolean): number | bigint | boolean {
  if (allowBool && text === '01') return true;
  if (allowBool && text === '00') return false;
  const digits = text.endsWith('L') ? text.slice(0, -1) : text;
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`bad integer literal '${text.slice(0, 40)}'`);
  return toIntValue(BigInt(digits));
}

export function parseFloatLine(text: string): number {
  const t = text.trim();
  if (/^[+-]?inf$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) throw new Error(`bad float literal '${t.slice(0, 40)}'`);
  return Number(t);
}

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, v: 11, '0': 0 };

/** `S'...'` lines: a Python 2 string repr with backslash escapes, as bytes. */
export function parseReprString(text: string): Uint8Array {
  const quote = text[0];
  if (text.length < 2 || (quote !== "'" && quote !== '"') || text[text.length - 1] !== quote) {
    throw new Error(`bad string literal ${text.slice(0, 40)}`);
  }
  const body = text.slice(1, -1);
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('string literal ends in a backslash');
    if (e === 'x') {
      const hex = body.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`bad \\x escape in string literal`);
      out.push(parseInt(hex, 16));
      i += 2;
    } else if (/[0-7]/.test(e)) {
      const oct = /^[0-7]{1,3}/.exec(body.slice(i))![0];
      out.push(parseInt(oct, 8) & 0xff);
      i += oct.length - 1;
    } else if (e in SIMPLE_ESCAPES) {
      out.push(SIMPLE_ESCAPES[e]!);
    } else {
      out.push(92, e.charCodeAt(0) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/** `V` lines: raw-unicode-escape (Latin-1 text with `\uXXXX` / `\UXXXXXXXX`). */
export function decodeRawUnicodeEscape(bytes: Uint8Array): string {
  const text = latin1.decode(bytes);
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4: string | undefined, u8: string | undefined) => {
    const code = parseInt((u4 ?? u8)!, 16);
    if (code > 0x10ffff) throw new Error(`bad code point in unicode literal`);
    return String.fromCodePoint(code);
  });
}
