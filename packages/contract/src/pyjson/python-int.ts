import { INT_MAX_STR_DIGITS } from "./parse.js";
import { DECIMAL_DIGIT_RANGES, WHITESPACE_RANGES } from "./python-unicode.js";
import { inRanges } from "./ranges.js";

/** Whitespace Python's int() skips around the digits once non-ASCII spaces became " ". */
const ASCII_SPACE = /^[ \t\n\v\f\r]*/;
const INT_BODY = /^[+-]?[0-9]+(?:_[0-9]+)*$/;

/**
 * Whether Python's `int(text)` (base 10) accepts the string: surrounding whitespace, an optional
 * sign, decimal digits of any script with single underscores between them, at most
 * INT_MAX_STR_DIGITS digits. Characters below U+007F are read as they are (so "\x1c" is not
 * whitespace here although str.isspace() says it is); from U+007F on, whitespace becomes a space
 * and a decimal digit its ASCII digit, from the same Unicode tables as the rest of the contract.
 */
export function pyIntAccepts(text: string): boolean {
  let ascii = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x7f) ascii += ch;
    else if (inRanges(WHITESPACE_RANGES, cp)) ascii += " ";
    else if (inRanges(DECIMAL_DIGIT_RANGES, cp)) ascii += "0";
    else return false;
  }
  const trimmed = ascii.replace(ASCII_SPACE, "").replace(/[ \t\n\v\f\r]*$/, "");
  if (!INT_BODY.test(trimmed)) return false;
  return trimmed.replace(/[^0-9]/g, "").length <= INT_MAX_STR_DIGITS;
}
