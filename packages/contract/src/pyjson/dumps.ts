import { floatRepr } from "./float-repr.js";
import { type PyValue, sortedKeys } from "./values.js";

/**
 * Python `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)`: the form
 * every non-string `SM_*` value takes.
 */
export function dumps(value: PyValue): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

function write(value: PyValue, out: string[]): void {
  if (value === null) out.push("null");
  else if (value === true) out.push("true");
  else if (value === false) out.push("false");
  else if (typeof value === "bigint") out.push(value.toString());
  else if (typeof value === "number") out.push(jsonFloat(value));
  else if (typeof value === "string") out.push(encodeString(value));
  else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out);
    });
    out.push("]");
  } else {
    out.push("{");
    sortedKeys(value).forEach((key, i) => {
      if (i > 0) out.push(",");
      out.push(encodeString(key), ":");
      write(value.get(key)!, out);
    });
    out.push("}");
  }
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return floatRepr(x);
}

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: "\\\\",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
  0x08: "\\b",
  0x0c: "\\f",
};

/**
 * A JSON string literal with ensure_ascii: printable ASCII kept, the short escapes, everything
 * else as `\uXXXX` with lowercase hex (supplementary characters as their surrogate pair, which is
 * exactly the UTF-16 code units of a JavaScript string).
 */
export function encodeString(s: string): string {
  let out = '"';
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(chunk, i);
    out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, "0")}`;
    chunk = i + 1;
  }
  return out + s.slice(chunk) + '"';
}
