/**
 * Python-compatible JSON: the codec behind every byte of the training contract.
 * `loads` reads JSON as Python's `json.loads` does, `dumps` writes it as the reference toolkit's
 * `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True)`, and `pyStr`/`pyRepr`
 * render values as Python's `str()`/`repr()`.
 */
export {
  loads,
  tryLoads,
  PyJsonDecodeError,
  PyJsonRecursionError,
  INT_MAX_STR_DIGITS,
  PYTHON_MAX_JSON_DEPTH,
  type LoadsOptions,
} from "./parse.js";
export { pyIntAccepts } from "./python-int.js";
export { dumps, encodeString } from "./dumps.js";
export { pyStr, pyRepr, pyUpper, stringRepr, isPrintable } from "./repr.js";
export { floatRepr } from "./float-repr.js";
export { PYTHON_UNICODE_VERSION } from "./python-unicode.js";
export * from "./values.js";
