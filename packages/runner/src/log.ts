/** The runner's own log lines: on stderr, each prefixed so they stand apart from the user's output. */
export type Log = (message: string) => void;

export const LOG_PREFIX = "[optml-train] ";

export function streamLog(stream: NodeJS.WritableStream): Log {
  return (message) => {
    stream.write(
      message
        .split("\n")
        .map((line) => LOG_PREFIX + line + "\n")
        .join(""),
    );
  };
}
