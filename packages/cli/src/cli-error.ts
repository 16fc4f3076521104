/**
 * An error meant for the person at the terminal: one line on stderr saying what is wrong and
 * what to do, and an exit code; never a stack trace.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Parse a whole number >= 0 given to a flag, or fail naming the flag. */
export function wholeNumber(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new CliError(`${flag} takes a whole number >= 0, got '${value}'`, 2);
    return Number(value);
  };
}
