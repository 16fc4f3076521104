/**
 * JSON text as people write it in files: parsed by JSON.parse, and when that fails, the first
 * error located by a small scanner of the JSON grammar (RFC 8259), so that the message names a
 * line and a column, which JSON.parse's messages do not reliably carry.
 */

export interface JsonProblem {
  /** 1-based line and column (in UTF-16 code units, as editors count them for most text). */
  readonly line: number;
  readonly column: number;
  readonly problem: string;
}

export type JsonParse = { readonly ok: true; readonly value: unknown } | ({ readonly ok: false } & JsonProblem);

export function parseJsonText(text: string): JsonParse {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    const { offset, problem } = firstError(body);
    const before = body.slice(0, offset);
    const line = before.split("\n").length;
    const column = offset - (before.lastIndexOf("\n") + 1) + 1;
    return { ok: false, line, column, problem };
  }
}

class Stop {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

const VALUE = "a value (an object, array, string, number, true, false or null)";

function shown(ch: string | undefined): string {
  if (ch === undefined) return "the end of the text";
  return ch === "'" ? `"'"` : `'${ch}'`;
}

/** Where the first syntax error is, and what was expected there. */
export function firstError(text: string): { offset: number; problem: string } {
  let at = 0;
  const ws = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const fail = (problem: string): never => {
    throw new Stop(at, problem);
  };
  const expect = (what: string): never => fail(`expected ${what}, found ${shown(text[at])}`);

  const string = (): void => {
    at++; // opening quote
    for (;;) {
      const ch = text[at];
      if (ch === undefined) fail("unterminated string: a closing '\"' is missing");
      if (ch === '"') {
        at++;
        return;
      }
      if (ch! < " ") fail("a control character (such as a line break) inside a string: write it as an escape like \\n");
      if (ch === "\\") {
        const next = text[at + 1];
        if (next !== undefined && '"\\/bfnrt'.includes(next)) at += 2;
        else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) at += 6;
        else fail(`a bad escape in a string: \\${next ?? ""} (use \\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX)`);
        continue;
      }
      at++;
    }
  };

  const number = (): void => {
    if (text[at] === "-") at++;
    if (text[at] === "0") at++;
    else if (/[1-9]/.test(text[at] ?? "")) while (/[0-9]/.test(text[at] ?? "")) at++;
    else expect("a digit");
    if (text[at] === ".") {
      at++;
      if (!/[0-9]/.test(text[at] ?? "")) expect("a digit after the decimal point");
      while (/[0-9]/.test(text[at] ?? "")) at++;
    }
    if (text[at] === "e" || text[at] === "E") {
      at++;
      if (text[at] === "+" || text[at] === "-") at++;
      if (!/[0-9]/.test(text[at] ?? "")) expect("a digit in the exponent");
      while (/[0-9]/.test(text[at] ?? "")) at++;
    }
  };

  const value = (): void => {
    ws();
    const ch = text[at];
    if (ch === "{") return object();
    if (ch === "[") return array();
    if (ch === '"') return string();
    if (ch === "-" || /[0-9]/.test(ch ?? "")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return;
      }
    }
    if (ch === "'") fail("strings and names take double quotes in JSON, not single quotes");
    expect(VALUE);
  };

  /** An object's members or an array's elements, from the opening bracket to `close`. */
  const sequence = (close: "}" | "]", item: () => void, itemName: string): void => {
    at++;
    ws();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      ws();
      if (text[at] === close) fail(`a trailing comma before '${close}' (JSON allows none)`);
      item();
      ws();
      if (text[at] === ",") {
        at++;
        continue;
      }
      if (text[at] === close) {
        at++;
        return;
      }
      expect(`',' or '${close}' after the ${itemName}`);
    }
  };

  const member = (): void => {
    if (text[at] !== '"') expect("a property name in double quotes");
    string();
    ws();
    if (text[at] !== ":") expect("':' after the property name");
    at++;
    value();
  };

  const object = (): void => sequence("}", member, "property value");
  const array = (): void => sequence("]", value, "array element");

  try {
    value();
    ws();
    if (at < text.length) fail(`unexpected ${shown(text[at])} after the end of the JSON value`);
    // JSON.parse refused the text but the scanner did not: name the end of the text.
    return { offset: text.length, problem: "not valid JSON" };
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, problem: e.problem };
    throw e;
  }
}
