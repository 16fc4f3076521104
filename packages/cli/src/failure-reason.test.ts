import { describe, expect, it } from "vitest";
import type { TrainingJob } from "./connection.js";
import { compactFailureReason, fullFailureReason, importHint, parseFailureReason } from "./failure-reason.js";

// As the runner writes them (packages/runner/src/failure.ts), behind the control plane's prefix.
const TRACEBACK =
  'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "\nTraceback (most recent call last):\n  File \\"/code/train.py\\", line 1, in <module>\n    import torch\nModuleNotFoundError: No module named \'torch\'"\nCommand "/usr/bin/python3 train.py --tag \\"a\\\\b\\""';
const OOM = 'AlgorithmError: ExecuteUserScriptError:\nExitCode 137\nErrorMessage ""\nExtraInfo "OutOfMemory: Process killed by SIGKILL (signal 9)"\nCommand "python3 t.py"';

describe("parseFailureReason", () => {
  it("reads the runner's fields, unescaped, and nothing else", () => {
    const parsed = parseFailureReason(TRACEBACK)!;
    expect(parsed.prefix).toBe("AlgorithmError: ");
    expect(parsed.errorClass).toBe("ExecuteUserScriptError");
    expect(parsed.exitCode).toBe(1);
    expect([...parsed.fields.keys()]).toEqual(["ErrorMessage", "Command"]);
    expect(parsed.fields.get("Command")).toBe('/usr/bin/python3 train.py --tag "a\\b"');
    expect(parsed.fields.get("ErrorMessage")!.split("\n")[1]).toBe('  File "/code/train.py", line 1, in <module>');
    expect(parseFailureReason("ClientError: No S3 objects found")).toBeUndefined();
    expect(parseFailureReason("AlgorithmError: Framework Error: x")).toBeUndefined();
    expect(parseFailureReason('AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "unterminated')).toBeUndefined();
  });
});

describe("compactFailureReason", () => {
  it("names the error in place of the traceback, and where the rest is", () => {
    expect(compactFailureReason(TRACEBACK, "job-1")).toEqual([
      "AlgorithmError: ExecuteUserScriptError: exit code 1",
      "ModuleNotFoundError: No module named 'torch'",
      'Command: /usr/bin/python3 train.py --tag "a\\b"',
      "(in full: the log above, or optml describe job-1)",
    ]);
  });

  it("keeps ExtraInfo, and shows other reasons as they are", () => {
    expect(compactFailureReason(OOM, "job-2")).toEqual([
      "AlgorithmError: ExecuteUserScriptError: exit code 137",
      "OutOfMemory: Process killed by SIGKILL (signal 9)",
      "Command: python3 t.py",
    ]);
    expect(compactFailureReason("ClientError: a\nb", "job-3")).toEqual(["ClientError: a", "b"]);
  });
});

describe("fullFailureReason", () => {
  it("shows every field, the error message whole and unescaped", () => {
    expect(fullFailureReason(TRACEBACK)).toEqual([
      "AlgorithmError: ExecuteUserScriptError: exit code 1",
      "Traceback (most recent call last):",
      '  File "/code/train.py", line 1, in <module>',
      "    import torch",
      "ModuleNotFoundError: No module named 'torch'",
      'Command: /usr/bin/python3 train.py --tag "a\\b"',
    ]);
  });
});

describe("importHint", () => {
  const job = (over: Partial<TrainingJob>): TrainingJob =>
    ({
      FailureReason: TRACEBACK,
      AlgorithmSpecification: { TrainingImage: "1.dkr.ecr.us-east-1.amazonaws.com/x:1", TrainingInputMode: "File" },
      OptmlExecutor: { Name: "process", Description: "local processes" },
      ...over,
    }) as TrainingJob;

  it("names the executor, the module and the way to run the image when an import fails outside it", () => {
    expect(importHint(job({}))).toEqual([
      "the job ran as local processes with this machine's Python, not in its TrainingImage 1.dkr.ecr.us-east-1.amazonaws.com/x:1: the image's packages were not there.",
      "Install 'torch' here (python3 -m pip install torch, or a requirements.txt beside the program),",
      "or run the image: build or pull it (docker pull 1.dkr.ecr.us-east-1.amazonaws.com/x:1), then optml train --executor docker (the tag optml:executor=docker).",
    ]);
  });

  it("says nothing when the image ran, when there is none to run, or for other errors", () => {
    expect(importHint(job({ OptmlExecutor: { Name: "docker", Description: "Docker image x" } }))).toEqual([]);
    expect(importHint(job({ AlgorithmSpecification: { TrainingImage: "optml/run:local", TrainingInputMode: "File" } }))).toEqual([]);
    expect(importHint(job({ FailureReason: OOM }))).toEqual([]);
    expect(importHint(job({ OptmlExecutor: undefined }))).toEqual([]);
  });
});
