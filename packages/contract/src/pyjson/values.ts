/**
 * Python values as Python's `json` module produces them, kept faithfully in JavaScript:
 *
 * | Python  | here                      |
 * |---------|---------------------------|
 * | None    | `null`                    |
 * | bool    | `boolean`                 |
 * | int     | `bigint` (exact at any size) |
 * | float   | `number` (NaN, +-Infinity and -0 included) |
 * | str     | `string`                  |
 * | list    | `PyValue[]`               |
 * | dict    | `Map<string, PyValue>` (insertion order kept) |
 *
 * The int/float split is the one Python makes from the JSON lexeme: `10` is an int, `10.0` and
 * `1e1` are floats. Keeping it is what makes `SM_HP_X=10` versus `SM_HP_X=10.0` come out right.
 */
export type PyValue = null | boolean | bigint | number | string | PyList | PyDict;
export type PyList = PyValue[];
export type PyDict = Map<string, PyValue>;

export function isPyDict(value: PyValue | undefined): value is PyDict {
  return value instanceof Map;
}

export function isPyList(value: PyValue | undefined): value is PyList {
  return Array.isArray(value);
}

/** Python truthiness (`bool(value)`). */
export function pyTruthy(value: PyValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "bigint") return value !== 0n;
  if (typeof value === "number") return value !== 0 || Number.isNaN(value);
  if (typeof value === "string") return value.length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return value.size > 0;
}

/** Build a dict from plain entries (insertion order kept). */
export function pyDict(entries: Iterable<readonly [string, PyValue]> = []): PyDict {
  return new Map(entries);
}

/**
 * Compare two strings by Unicode code point, as Python compares `str` values.
 * JavaScript's default comparison is by UTF-16 code unit, which orders U+E000..U+FFFF after
 * supplementary characters; Python orders them before.
 */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const x = ca.value.codePointAt(0)!;
    const y = cb.value.codePointAt(0)!;
    if (x !== y) return x < y ? -1 : 1;
  }
}

/** Keys of a dict sorted by code point (Python `sorted(d)`). */
export function sortedKeys(dict: PyDict): string[] {
  return [...dict.keys()].sort(compareCodePoints);
}
