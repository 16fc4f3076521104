/**
 * The failure-file formats: the one place that decides what `output/failure` says. SageMaker shows
 * the file as the job's FailureReason, which holds at most 1024 characters, so every report here
 * is bounded to {@link FAILURE_REPORT_MAX_BYTES} bytes of UTF-8 and has no trailing newline.
 *
 * A failed process (the reference's `_CalledProcessError` family):
 *
 *     ExecuteUserScriptError:
 *     ExitCode 3
 *     ErrorMessage "
 *     Traceback (most recent call last): ..."
 *     ExtraInfo "OutOfMemory: Process killed by SIGKILL (signal 9)"     (exit 137 only)
 *     Command "/usr/bin/python3 train.py --epochs 10"
 *
 * Unlike the reference, ErrorMessage carries the tail of the program's stderr (from its last
 * Python traceback when there is one), and Command is the argv quoted for a POSIX shell. Inside
 * the quotes of a field, `\` and `"` are escaped as `\\` and `\"` (newlines stay as they are), so
 * that a field always ends at the first unescaped `"`.
 *
 * The runner's log says less than the file: the program's stderr has just streamed into the same
 * log, so a failed process is logged as one line that names the error ({@link processFailureSummary})
 * and points up to the traceback, instead of repeating it.
 */
import { constants } from "node:os";
import { commandLine } from "./shell-quote.js";
import type { TrainingOutcome } from "./run.js";

const signals: Readonly<Record<string, number | undefined>> = constants.signals;

export const FAILURE_REPORT_MAX_BYTES = 1024;

/** The reference's ExtraInfo for exit code 137, word for word. */
export const OUT_OF_MEMORY_INFO = "OutOfMemory: Process killed by SIGKILL (signal 9)";

/** Which step a failed process was: the user program or one of the dependency installs. */
export type ProcessErrorClass =
  | "ExecuteUserScriptError"
  | "InstallModuleError"
  | "InstallRequirementsError"
  | "InstallNodeModulesError";

export interface ProcessFailure {
  readonly errorClass: ProcessErrorClass;
  /** The exit code; 128 + n when the process was killed by signal n. */
  readonly exitCode: number;
  /** The signal that ended the process, when one did. */
  readonly signal: NodeJS.Signals | null;
  /** The end of what the process wrote to stderr. */
  readonly stderr: string;
  readonly command: readonly string[];
  /** What ErrorMessage says instead of the end of stderr (a failed pip run's summary). */
  readonly message?: string;
}

export interface StopReport {
  /** The signal the runner received (and forwarded). */
  readonly signal: NodeJS.Signals;
  /** Absent when the stop came before the user program started. */
  readonly program?: {
    readonly exitCode: number;
    readonly command: readonly string[];
    /** Set when the program outlived the grace period and was killed. */
    readonly killedAfterSeconds?: number;
  };
}

/** The exit code a shell would report for a process that ended with this code or signal. */
export function normalisedExitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal === null ? undefined : signals[signal];
  return number === undefined ? 1 : 128 + number;
}

/** ExtraInfo for a process that ended this way, if any. */
export function extraInfoFor(exitCode: number, signal: NodeJS.Signals | null): string | undefined {
  if (exitCode === 137) return OUT_OF_MEMORY_INFO;
  if (signal !== null) return `Process killed by ${signal} (signal ${signals[signal] ?? "?"})`;
  return undefined;
}

export function processFailureReport(failure: ProcessFailure): string {
  const extra = extraInfoFor(failure.exitCode, failure.signal);
  const message = failure.message ?? errorMessageFromStderr(failure.stderr);
  return assemble(
    `${failure.errorClass}:\nExitCode ${failure.exitCode}\n`,
    { name: "ErrorMessage", text: message, keep: "end" },
    extra === undefined ? undefined : { name: "ExtraInfo", text: extra, keep: "start" },
    { name: "Command", text: commandLine(failure.command), keep: "start" },
  );
}

/**
 * The one line the runner logs for a failed process: the error class, the exit code, the line that
 * names the error ({@link errorLine}), and where the rest is (the stderr just logged above).
 */
export function processFailureSummary(failure: ProcessFailure): string {
  const who = failure.errorClass === "ExecuteUserScriptError" ? "the user program" : "the dependency install";
  const extra = extraInfoFor(failure.exitCode, failure.signal);
  const message = errorMessageFromStderr(failure.stderr);
  const error = errorLine(message);
  const where = message === "" ? "; it wrote nothing to stderr" : message.startsWith(TRACEBACK) ? " (traceback above)" : " (its stderr is above)";
  return `${failure.errorClass}: ${who} exited with code ${failure.exitCode}${extra === undefined ? "" : ` (${extra})`}${error === undefined ? "" : `: ${error}`}${where}`;
}

/** A line that names an error: `ValueError: ...`, `Error: ...`, `java.io.IOException`, pip's `ERROR: ...`. */
const ERROR_NAME = /^(?:[A-Za-z_$][\w.$]*(?:Error|Exception|Interrupt)|ERROR)\b/;

/**
 * The line of a program's stderr (or of a report's ErrorMessage) that names the error: the
 * exception line of its last Python traceback (the first unindented line after the frames), else
 * the last line that starts with an error's name (Node's `TypeError: ...`, pip's `ERROR: ...`),
 * else its last line; undefined for an empty text.
 */
export function errorLine(text: string): string | undefined {
  const lines = errorMessageFromStderr(text).split("\n");
  if (lines[0] === TRACEBACK) {
    const exception = lines.slice(1).find((l) => l.trim() !== "" && !/^\s/.test(l));
    if (exception !== undefined) return exception.trim();
  }
  const named = lines.findLast((l) => ERROR_NAME.test(l.trim()));
  const last = named ?? lines.findLast((l) => l.trim() !== "");
  return last === undefined ? undefined : last.trim();
}

export function stoppedReport(stop: StopReport): string {
  const head = `Stopped:\nSignal ${stop.signal}\n`;
  const program = stop.program;
  if (program === undefined) {
    return `${head}ExtraInfo "Stopped before the user program started"`;
  }
  const info =
    program.killedAfterSeconds === undefined
      ? `The user program was sent ${stop.signal} and exited`
      : `The user program did not exit within ${program.killedAfterSeconds} s of ${stop.signal} and was killed with SIGKILL`;
  return assemble(
    `${head}ExitCode ${program.exitCode}\n`,
    undefined,
    { name: "ExtraInfo", text: info, keep: "start" },
    { name: "Command", text: commandLine(program.command), keep: "start" },
  );
}

/** The outcome of a run stopped before the user program started (code download, installs, host wait). */
export function stoppedEarly(signal: NodeJS.Signals): TrainingOutcome {
  return { status: "Stopped", signal, report: stoppedReport({ signal }) };
}

/** An error of the runner itself (bad configuration, unusable code, a bug). */
export function frameworkErrorReport(message: string): string {
  return fitBytes(`Framework Error: ${message}`.trimEnd(), FAILURE_REPORT_MAX_BYTES);
}

const ANSI_ESCAPE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const TRACEBACK = "Traceback (most recent call last):";

/**
 * The part of a program's stderr worth reporting: terminal escapes removed, each line as a
 * terminal would leave it after `\r` (progress bars), from the last Python traceback if there is
 * one, without surrounding blank space.
 */
export function errorMessageFromStderr(stderr: string): string {
  const lines = stderr
    .replace(ANSI_ESCAPE, "")
    .split(/\r?\n/)
    .map((line) => line.slice(line.lastIndexOf("\r") + 1));
  let start = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.startsWith(TRACEBACK)) {
      start = i;
      break;
    }
  }
  return lines.slice(start).join("\n").trim();
}

interface Field {
  readonly name: string;
  /** The raw text; escaped when the line is written. */
  readonly text: string;
  /** Which end survives truncation. */
  readonly keep: "start" | "end";
}

/** The smallest share of the budget Command keeps when the error message is long. */
const COMMAND_MIN_BYTES = 256;
/** The most ExtraInfo may take. */
const EXTRA_MAX_BYTES = 256;

/**
 * `head` then the fields as `Name "text"` lines, within the byte limit. ExtraInfo is kept whole
 * when possible; ErrorMessage and Command share what is left, Command getting at least
 * COMMAND_MIN_BYTES (or all it needs, when less). ErrorMessage, when not empty, opens with a
 * newline as in the reference.
 */
function assemble(head: string, message: Field | undefined, extra: Field | undefined, command: Field): string {
  const fields = [message, extra, command].filter((f): f is Field => f !== undefined);
  const overhead =
    byteLength(head) +
    fields.reduce((n, f) => n + byteLength(`${f.name} ""`), 0) +
    (fields.length - 1) +
    (message !== undefined && message.text !== "" ? 1 : 0);
  let available = Math.max(0, FAILURE_REPORT_MAX_BYTES - overhead);
  const extraText = extra === undefined ? "" : fitQuoted(extra.text, Math.min(available, EXTRA_MAX_BYTES), "start");
  available -= byteLength(extraText);
  const messageBytes = message === undefined ? 0 : quotedLength(message.text);
  const commandBytes = quotedLength(command.text);
  let commandBudget = commandBytes;
  let messageBudget = messageBytes;
  if (messageBytes + commandBytes > available) {
    commandBudget = Math.min(commandBytes, Math.max(available - messageBytes, Math.min(COMMAND_MIN_BYTES, available)));
    messageBudget = available - commandBudget;
  }
  const line = (f: Field): string => {
    if (f === extra) return `${f.name} "${extraText}"`;
    if (f === message) {
      const text = fitQuoted(f.text, messageBudget, f.keep);
      return `${f.name} "${f.text === "" ? "" : "\n"}${text}"`;
    }
    return `${f.name} "${fitQuoted(f.text, commandBudget, f.keep)}"`;
  };
  return head + fields.map(line).join("\n");
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Bytes a character takes once escaped (`\\`, `\"`). */
function quotedSize(ch: string): number {
  return ch === '"' || ch === "\\" ? 2 : byteLength(ch);
}

function quotedLength(text: string): number {
  let n = 0;
  for (const ch of text) n += quotedSize(ch);
  return n;
}

const ELLIPSIS = "...";

/**
 * `text` escaped, cut to at most `max` bytes of UTF-8 at a character boundary, keeping
 * its start or its end and marking the cut with "...". Cutting the raw text before escaping means
 * an escape is never split. Keeping the end, the text starts at a line boundary when one is near.
 */
export function fitQuoted(text: string, max: number, keep: "start" | "end"): string {
  const escape = (s: string) => s.replace(/["\\]/g, (c) => `\\${c}`);
  if (quotedLength(text) <= max) return escape(text);
  const budget = max - ELLIPSIS.length;
  if (budget <= 0) return ELLIPSIS.slice(0, Math.max(0, max));
  const chars = [...text];
  const kept: string[] = [];
  let used = 0;
  for (let i = 0; i < chars.length; i++) {
    const ch = keep === "start" ? chars[i]! : chars[chars.length - 1 - i]!;
    const size = quotedSize(ch);
    if (used + size > budget) break;
    kept.push(ch);
    used += size;
  }
  if (keep === "start") return escape(kept.join("")) + ELLIPSIS;
  let out = kept.reverse().join("");
  const newline = out.indexOf("\n");
  if (newline >= 0 && newline < 160) out = out.slice(newline + 1);
  return ELLIPSIS + escape(out);
}

/** Cut plain text to at most `max` bytes of UTF-8, keeping its start. */
function fitBytes(text: string, max: number): string {
  if (byteLength(text) <= max) return text;
  let used = ELLIPSIS.length;
  let out = "";
  for (const ch of text) {
    const size = byteLength(ch);
    if (used + size > max) break;
    out += ch;
    used += size;
  }
  return out + ELLIPSIS;
}
