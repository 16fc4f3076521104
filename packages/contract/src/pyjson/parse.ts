import type { PyDict, PyValue } from "./values.js";

/**
 * A JSON document that Python's `json.loads` would reject. The message follows Python's own
 * wording and carries the 1-based line and column, so a caller can point at the spot.
 */
export class PyJsonDecodeError extends Error {
  override readonly name = "PyJsonDecodeError";
  constructor(
    readonly reason: string,
    readonly text: string,
    readonly pos: number,
  ) {
    const { line, column } = lineColumn(text, pos);
    super(`${reason}: line ${line} column ${column} (char ${pos})`);
    this.line = line;
    this.column = column;
  }
  readonly line: number;
  readonly column: number;
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: pos - lineStart + 1 };
}

/** Python's limit on the digits of an int parsed from a string (sys.get_int_max_str_digits()). */
export const INT_MAX_STR_DIGITS = 4300;

/**
 * The deepest nesting (lists and dicts, one level each) that Python 3.11's `json.loads` decodes
 * when called near the bottom of the stack: past it Python raises RecursionError, which is not a
 * decoding error (`except ValueError` does not catch it). Callers deeper in a program reach the
 * limit sooner; the contract passes its own, measured limits.
 */
export const PYTHON_MAX_JSON_DEPTH = 994;

/**
 * A document nested deeper than the caller's limit: where Python's json raises RecursionError.
 * Deliberately not a PyJsonDecodeError, so that `tryLoads` does not turn it into "not JSON".
 */
export class PyJsonRecursionError extends Error {
  override readonly name = "PyJsonRecursionError";
  constructor(
    /** The deepest nesting accepted. */
    readonly maxDepth: number,
    readonly pos: number,
  ) {
    super(`nested more than ${maxDepth} levels deep (Python's json fails there with RecursionError)`);
  }
}

export interface LoadsOptions {
  /** The deepest nesting to decode; deeper throws PyJsonRecursionError. Default PYTHON_MAX_JSON_DEPTH. */
  readonly maxDepth?: number;
}

/**
 * Parse JSON text with Python `json.loads` semantics: ints versus floats by lexeme, ints exact at
 * any size, `NaN`/`Infinity`/`-Infinity` accepted, object key order kept (a repeated key keeps its
 * first position and takes the last value, as a Python dict does), JSON whitespace around the value
 * allowed, control characters inside strings rejected.
 */
export function loads(text: string, options: LoadsOptions = {}): PyValue {
  const p = new Parser(text, options.maxDepth ?? PYTHON_MAX_JSON_DEPTH);
  if (text.charCodeAt(0) === 0xfeff) p.fail("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
  p.skipWs();
  const value = p.value(0);
  p.skipWs();
  if (p.pos !== text.length) p.fail("Extra data", p.pos);
  return value;
}

/**
 * `loads`, or `undefined` when the text is not a JSON document Python would accept (Python's
 * ValueError). Nesting past the limit still throws PyJsonRecursionError, as Python's RecursionError
 * escapes `except ValueError`.
 */
export function tryLoads(text: string, options: LoadsOptions = {}): PyValue | undefined {
  try {
    return loads(text, options);
  } catch (e) {
    if (e instanceof PyJsonDecodeError) return undefined;
    throw e;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

class Parser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly maxDepth: number,
  ) {}

  fail(reason: string, pos: number): never {
    throw new PyJsonDecodeError(reason, this.text, pos);
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  value(depth: number): PyValue {
    const t = this.text;
    const start = this.pos;
    if (start >= t.length) this.fail("Expecting value", start);
    const c = t[start];
    switch (c) {
      case '"':
        return this.string();
      case "{":
        return this.object(depth + 1);
      case "[":
        return this.array(depth + 1);
      case "n":
        if (t.startsWith("null", start)) {
          this.pos += 4;
          return null;
        }
        break;
      case "t":
        if (t.startsWith("true", start)) {
          this.pos += 4;
          return true;
        }
        break;
      case "f":
        if (t.startsWith("false", start)) {
          this.pos += 5;
          return false;
        }
        break;
      case "N":
        if (t.startsWith("NaN", start)) {
          this.pos += 3;
          return NaN;
        }
        break;
      case "I":
        if (t.startsWith("Infinity", start)) {
          this.pos += 8;
          return Infinity;
        }
        break;
      case "-":
        if (t.startsWith("-Infinity", start)) {
          this.pos += 9;
          return -Infinity;
        }
        break;
    }
    return this.number(start);
  }

  number(start: number): PyValue {
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail("Expecting value", start);
    const lexeme = m[0];
    this.pos = start + lexeme.length;
    if (m[1] === undefined && m[2] === undefined) {
      const digits = lexeme.startsWith("-") ? lexeme.length - 1 : lexeme.length;
      if (digits > INT_MAX_STR_DIGITS) {
        this.fail(
          `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits`,
          start,
        );
      }
      return BigInt(lexeme);
    }
    return Number(lexeme);
  }

  string(): string {
    const t = this.text;
    const begin = this.pos; // at the opening quote
    let i = begin + 1;
    let out = "";
    let chunk = i;
    for (;;) {
      if (i >= t.length) this.fail("Unterminated string starting at", begin);
      const c = t.charCodeAt(i);
      if (c === 0x22) {
        out += t.slice(chunk, i);
        this.pos = i + 1;
        return out;
      }
      if (c < 0x20) this.fail("Invalid control character at", i);
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += t.slice(chunk, i);
      const e = t[i + 1];
      if (e === undefined) this.fail("Unterminated string starting at", begin);
      switch (e) {
        case '"':
          out += '"';
          break;
        case "\\":
          out += "\\";
          break;
        case "/":
          out += "/";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = t.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("Invalid \\uXXXX escape", i + 1);
          // A high surrogate escape followed by a low surrogate escape is one code point in
          // Python; in a JavaScript string the two code units already are that code point.
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          this.fail("Invalid \\escape", i);
      }
      i += 2;
      chunk = i;
    }
  }

  object(depth: number): PyDict {
    if (depth > this.maxDepth) throw new PyJsonRecursionError(this.maxDepth, this.pos);
    const t = this.text;
    const result: PyDict = new Map();
    this.pos++; // {
    this.skipWs();
    if (t[this.pos] === "}") {
      this.pos++;
      return result;
    }
    for (;;) {
      if (t[this.pos] !== '"') {
        this.fail("Expecting property name enclosed in double quotes", this.pos);
      }
      const key = this.string();
      this.skipWs();
      if (t[this.pos] !== ":") this.fail("Expecting ':' delimiter", this.pos);
      this.pos++;
      this.skipWs();
      result.set(key, this.value(depth));
      this.skipWs();
      const c = t[this.pos];
      if (c === "}") {
        this.pos++;
        return result;
      }
      if (c !== ",") this.fail("Expecting ',' delimiter", this.pos);
      this.pos++;
      this.skipWs();
    }
  }

  array(depth: number): PyValue[] {
    if (depth > this.maxDepth) throw new PyJsonRecursionError(this.maxDepth, this.pos);
    const t = this.text;
    const result: PyValue[] = [];
    this.pos++; // [
    this.skipWs();
    if (t[this.pos] === "]") {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth));
      this.skipWs();
      const c = t[this.pos];
      if (c === "]") {
        this.pos++;
        return result;
      }
      if (c !== ",") this.fail("Expecting ',' delimiter", this.pos);
      this.pos++;
      this.skipWs();
    }
  }
}
