/**
 * A job's FailureReason as a person reads it. The runner's reports (packages/runner/src/failure.ts)
 * have SageMaker's shape:
 *
 *     AlgorithmError: ExecuteUserScriptError:
 *     ExitCode 1
 *     ErrorMessage "
 *     Traceback (most recent call last): ..."
 *     Command "/usr/bin/python3 train.py"
 *
 * The summary after a followed job names the error in a few lines (the traceback is in the log it
 * just printed); `optml describe` shows every field, unescaped. Other reasons are shown as they are.
 */
// The failure formats alone: the runner's index would load the whole runner into every command.
import { errorLine } from "@optml/runner/failure";
import { RECORDED_ONLY_IMAGE } from "@optml/server";
import type { TrainingJob } from "./connection.js";

export interface ProcessReason {
  /** "AlgorithmError: " or "". */
  readonly prefix: string;
  /** ExecuteUserScriptError, InstallRequirementsError, ... */
  readonly errorClass: string;
  readonly exitCode: number;
  /** The quoted fields, unescaped: ErrorMessage, ExtraInfo, Command. */
  readonly fields: ReadonlyMap<string, string>;
}

/** The fields of a process failure report, or undefined for any other reason. */
export function parseFailureReason(reason: string): ProcessReason | undefined {
  const head = /^((?:AlgorithmError|ClientError): )?(\w+):\nExitCode (-?\d+)\n/.exec(reason);
  if (!head) return undefined;
  const fields = new Map<string, string>();
  let at = head[0].length;
  while (at < reason.length) {
    const name = /^(\w+) "/.exec(reason.slice(at));
    if (!name) return undefined;
    at += name[0].length;
    let text = "";
    for (; at < reason.length && reason[at] !== '"'; at++) text += reason[at] === "\\" ? reason[++at] : reason[at];
    if (reason[at] !== '"') return undefined;
    at++;
    if (at < reason.length && reason[at++] !== "\n") return undefined;
    // The reference opens a non-empty ErrorMessage with a newline.
    fields.set(name[1]!, text.startsWith("\n") ? text.slice(1) : text);
  }
  return { prefix: head[1] ?? "", errorClass: head[2]!, exitCode: Number(head[3]), fields };
}

/** The reason in a few lines: the error class and exit code, the error's line, ExtraInfo, the command. */
export function compactFailureReason(reason: string, jobName: string | undefined): string[] {
  const parsed = parseFailureReason(reason);
  if (!parsed) return reason.split("\n");
  const message = parsed.fields.get("ErrorMessage") ?? "";
  const error = errorLine(message);
  const extra = parsed.fields.get("ExtraInfo");
  const command = parsed.fields.get("Command");
  return [
    `${parsed.prefix}${parsed.errorClass}: exit code ${parsed.exitCode}`,
    ...(error !== undefined ? [error] : []),
    ...(extra !== undefined ? [extra] : []),
    ...(command !== undefined ? [`Command: ${command}`] : []),
    ...(message.includes("\n") && jobName ? [`(in full: the log above, or optml describe ${jobName})`] : []),
  ];
}

/** The reason with every field on its own lines, unescaped. */
export function fullFailureReason(reason: string): string[] {
  const parsed = parseFailureReason(reason);
  if (!parsed) return reason.split("\n");
  const lines = [`${parsed.prefix}${parsed.errorClass}: exit code ${parsed.exitCode}`];
  for (const [name, text] of parsed.fields) {
    if (name === "ErrorMessage") lines.push(...(text === "" ? [] : text.split("\n")));
    else lines.push(`${name}: ${text}`);
  }
  return lines;
}

/**
 * For a job that ran as local processes although it names an image, and failed to import a
 * module: the hint that the image's packages were not there, and how to run the image.
 */
export function importHint(job: TrainingJob): string[] {
  const executor = job.OptmlExecutor;
  const image = job.AlgorithmSpecification?.TrainingImage;
  if (!job.FailureReason || !executor || executor.Name === "docker" || !image || image === RECORDED_ONLY_IMAGE) return [];
  const error = errorLine(parseFailureReason(job.FailureReason)?.fields.get("ErrorMessage") ?? "") ?? "";
  if (!/^(?:ModuleNotFoundError|ImportError)\b/.test(error)) return [];
  const module = /^ModuleNotFoundError: No module named '([^'.]+)/.exec(error)?.[1];
  return [
    `the job ran as ${executor.Description} with this machine's Python, not in its TrainingImage ${image}: the image's packages were not there.`,
    `Install ${module ? `'${module}'` : "the module"} here (${module ? `python3 -m pip install ${module}` : "python3 -m pip install ..."}, or a requirements.txt beside the program),`,
    `or run the image: build or pull it (docker pull ${image}), then optml train --executor docker (the tag optml:executor=docker).`,
  ];
}
