/**
 * Tuned values rendered as text, the way SageMaker renders them in a trial's HyperParameters
 * and TunedHyperParameters: integers as plain integers ("7"), continuous values as Python's
 * repr of the double ("0.011391935592233605", "5.081388147234708e-06", "1.0"): the shortest
 * text that reads back as the same number, so a value round-trips exactly.
 */

/** An integer hyperparameter's text. */
export function formatInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`formatInteger: ${value} is not a safe integer`);
  return String(value === 0 ? 0 : value);
}

/**
 * A continuous hyperparameter's text, as Python's `repr(float)`: the shortest round-trip digits,
 * positional when the decimal exponent is in [-4, 16), else scientific with a signed exponent of
 * at least two digits; a positional integral value keeps ".0".
 */
export function formatContinuous(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`formatContinuous: ${value} is not a finite number`);
  if (value === 0) return "0.0"; // -0 too: a tuned value has no sign of zero
  const sign = value < 0 ? "-" : "";
  // toExponential() without an argument gives the shortest digits that round-trip.
  const match = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(Math.abs(value).toExponential());
  if (match === null) throw new Error(`formatContinuous: cannot read the digits of ${value}`);
  const digits = match[1]! + (match[2] ?? "");
  const exponent = Number(match[3]);
  if (exponent < -4 || exponent >= 16) {
    const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const e = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const point = exponent + 1;
  if (digits.length <= point) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
