/**
 * POSIX shell quoting, as Python's `shlex.quote`: a word made only of safe characters stays as it
 * is; anything else is wrapped in single quotes, each `'` written as `'"'"'`.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(word: string): string {
  if (word === "") return "''";
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** An argv as one command line that a POSIX shell splits back into exactly that argv. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}
