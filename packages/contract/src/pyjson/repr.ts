import { floatRepr } from "./float-repr.js";
import { NONPRINTABLE_RANGES, UPPER_CASE } from "./python-unicode.js";
import { inRanges } from "./ranges.js";
import type { PyValue } from "./values.js";

/** Python `str(value)`: strings as they are, everything else as `repr`. */
export function pyStr(value: PyValue): string {
  return typeof value === "string" ? value : pyRepr(value);
}

/**
 * Python `repr(value)` for the values JSON decodes to: `None`/`True`/`False`, ints, floats
 * (`inf`, `nan`), quoted strings, `[a, b]` lists and `{'k': v}` dicts in insertion order.
 */
export function pyRepr(value: PyValue): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return floatRepr(value);
  if (typeof value === "string") return stringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  const items: string[] = [];
  for (const [k, v] of value) items.push(`${stringRepr(k)}: ${pyRepr(v)}`);
  return `{${items.join(", ")}}`;
}

/** Python's `str.isprintable()` for one code point, as the generating interpreter answers it. */
export function isPrintable(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return !inRanges(NONPRINTABLE_RANGES, cp);
}

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, "0");
}

/** Python `repr(str)`. */
export function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + hex(cp, 2);
    else if (cp < 0x7f || isPrintable(cp)) out += ch;
    else if (cp <= 0xff) out += "\\x" + hex(cp, 2);
    else if (cp <= 0xffff) out += "\\u" + hex(cp, 4);
    else out += "\\U" + hex(cp, 8);
  }
  return out + quote;
}

/**
 * Python `str.upper()`, from the same Unicode tables as `isPrintable` (JavaScript's
 * `toUpperCase` follows a newer Unicode version and maps some characters Python leaves alone).
 */
export function pyUpper(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 ? ch.toUpperCase() : (UPPER_CASE.get(cp) ?? ch);
  }
  return out;
}
