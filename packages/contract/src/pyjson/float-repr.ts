/**
 * Python's `repr(float)`: the shortest digit string that reads back as the same double (the same
 * digits JavaScript's `Number.prototype.toString` picks), laid out the way CPython lays it out:
 * fixed notation when the decimal exponent e satisfies -4 <= e < 16, with `.0` on integral values;
 * otherwise `d.ddde+XX` with a sign and at least two exponent digits.
 */
export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const { digits, exponent } = shortestDigits(Math.abs(x));
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    const intLen = exponent + 1;
    const intPart = digits.length >= intLen ? digits.slice(0, intLen) : digits.padEnd(intLen, "0");
    const fracPart = digits.slice(intLen) || "0";
    return `${sign}${intPart}.${fracPart}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const expSign = exponent < 0 ? "-" : "+";
  return `${sign}${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

/**
 * The shortest round-trip significant digits of a positive finite double and the decimal
 * exponent of the first digit (value = d.ddd x 10^exponent), read off JavaScript's own
 * shortest formatting.
 */
function shortestDigits(x: number): { digits: string; exponent: number } {
  const s = String(x);
  const eAt = s.indexOf("e");
  const mantissa = eAt < 0 ? s : s.slice(0, eAt);
  const exp10 = eAt < 0 ? 0 : Number(s.slice(eAt + 1));
  const dot = mantissa.indexOf(".");
  const intPart = dot < 0 ? mantissa : mantissa.slice(0, dot);
  const fracPart = dot < 0 ? "" : mantissa.slice(dot + 1);
  let all = intPart + fracPart;
  let point = intPart.length + exp10; // digits before the decimal point
  const lead = all.length - all.replace(/^0+/, "").length;
  all = all.slice(lead);
  point -= lead;
  all = all.replace(/0+$/, "");
  return { digits: all, exponent: point - 1 };
}
