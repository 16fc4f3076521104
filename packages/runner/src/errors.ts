/**
 * The runner's error catalogue: every way the runner itself can fail before or around the user
 * program. Each message names the thing at fault (the setting, the archive entry, the host) so
 * that the `Framework Error:` failure file says what to fix.
 */
export type RunnerErrorCode =
  | "SettingInvalid"
  | "EntryPointMissing"
  | "EntryPointNotFound"
  | "FrameworkModuleInvalid"
  | "SubmitDirectoryUnsupported"
  | "SubmitDirectoryNotFound"
  | "ArchiveUnreadable"
  | "ArchiveEntryUnsafe"
  | "S3DownloadFailed"
  | "ProgramNotStarted"
  | "PythonUnusable"
  | "HostsUnresolved"
  | "LauncherSettingInvalid"
  | "LauncherUnsupported"
  | "LauncherUnavailable";

export class RunnerError extends Error {
  override readonly name = "RunnerError";
  constructor(
    readonly code: RunnerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function settingInvalid(variable: string, expected: string, found: string): RunnerError {
  return new RunnerError("SettingInvalid", `environment variable ${variable} must be ${expected}, found ${JSON.stringify(found)}`);
}

export function entryPointMissing(): RunnerError {
  return new RunnerError(
    "EntryPointMissing",
    "no user entry point: set the hyperparameter sagemaker_program or the environment variable SAGEMAKER_PROGRAM (or SAGEMAKER_TRAINING_MODULE=module:function)",
  );
}

export function entryPointNotFound(entryPoint: string, codeDir: string): RunnerError {
  return new RunnerError("EntryPointNotFound", `entry point ${JSON.stringify(entryPoint)} not found in ${codeDir}`);
}

export function frameworkModuleInvalid(value: string): RunnerError {
  return new RunnerError(
    "FrameworkModuleInvalid",
    `SAGEMAKER_TRAINING_MODULE must be "module:function", found ${JSON.stringify(value)}`,
  );
}

export function typescriptLoaderMissing(entryPoint: string): RunnerError {
  return new RunnerError(
    "ProgramNotStarted",
    `entry point ${JSON.stringify(entryPoint)} needs a TypeScript loader: install tsx next to @optml/runner or set OPTML_TS_LOADER`,
  );
}

export function submitDirectoryUnsupported(uri: string): RunnerError {
  return new RunnerError(
    "SubmitDirectoryUnsupported",
    `sagemaker_submit_directory ${JSON.stringify(uri)} is not supported: use s3://bucket/key.tar.gz, a local .tar.gz, a local directory or a file:// URI`,
  );
}

export function submitDirectoryNotFound(location: string): RunnerError {
  return new RunnerError("SubmitDirectoryNotFound", `sagemaker_submit_directory ${JSON.stringify(location)}: no such file or directory`);
}

export function archiveUnreadable(archive: string, cause: string): RunnerError {
  return new RunnerError("ArchiveUnreadable", `${archive}: not a readable tar archive: ${cause}`);
}

export function archiveEntryUnsafe(archive: string, entry: string, reason: string): RunnerError {
  return new RunnerError(
    "ArchiveEntryUnsafe",
    `${archive}: refusing to unpack entry ${JSON.stringify(entry)}: ${reason}; nothing was unpacked`,
  );
}

export function s3DownloadFailed(uri: string, cause: string): RunnerError {
  return new RunnerError("S3DownloadFailed", `cannot download ${uri}: ${cause}`);
}

export function programNotStarted(command: string, cause: string, hint = ""): RunnerError {
  return new RunnerError("ProgramNotStarted", `cannot start ${command}: ${cause}${hint ? ` (${hint})` : ""}`);
}

export function hostsUnresolved(hosts: readonly string[], seconds: number): RunnerError {
  return new RunnerError(
    "HostsUnresolved",
    `host${hosts.length === 1 ? "" : "s"} ${hosts.join(", ")} did not resolve within ${seconds} s (OPTML_HOST_WAIT_SECONDS)`,
  );
}

export function pythonUnusable(python: string, cause: string): RunnerError {
  return new RunnerError(
    "PythonUnusable",
    `the job's Python ${python} cannot run: ${cause} (set OPTML_PYTHON to a working interpreter, or install python3 on PATH)`,
  );
}

export function launcherSettingInvalid(parameter: string, expected: string, found: string): RunnerError {
  return new RunnerError("LauncherSettingInvalid", `the hyperparameter ${parameter} must be ${expected}, found ${found}`);
}

export function torchDistributedEntryPointUnsupported(kind: string): RunnerError {
  return new RunnerError(
    "LauncherUnsupported",
    kind === "python-package"
      ? "Python packages are not supported for torch_distributed (sagemaker_torch_distributed_enabled): use a Python script (no setup.py in the code dir) as the entry point"
      : `torch_distributed (sagemaker_torch_distributed_enabled) runs Python scripts only; the entry point is a ${kind}`,
  );
}

export function smdistributedUnavailable(what: string): RunnerError {
  return new RunnerError(
    "LauncherUnsupported",
    `${what} needs AWS's smdistributed libraries, which exist only on SageMaker: use torch_distributed (sagemaker_torch_distributed_enabled) to run the same job with torchrun here`,
  );
}

/** A launcher cannot start on this host: `missing` names what is missing, `remedy` how to get it. */
export function launcherUnavailable(launcher: string, missing: string, remedy: string): RunnerError {
  return new RunnerError("LauncherUnavailable", `the ${launcher} launcher cannot start: ${missing}; ${remedy}`);
}
