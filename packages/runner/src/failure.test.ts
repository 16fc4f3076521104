import { describe, expect, it } from "vitest";
import {
  errorLine,
  errorMessageFromStderr,
  FAILURE_REPORT_MAX_BYTES,
  fitQuoted,
  frameworkErrorReport,
  normalisedExitCode,
  processFailureReport,
  processFailureSummary,
  stoppedReport,
} from "./failure.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("processFailureReport", () => {
  it("has the reference's shape with an empty ErrorMessage", () => {
    const report = processFailureReport({
      errorClass: "ExecuteUserScriptError",
      exitCode: 3,
      signal: null,
      stderr: "",
      command: ["/usr/bin/python3", "train.py", "--epochs", "10", "--flag", "True"],
    });
    expect(report).toBe(
      'ExecuteUserScriptError:\nExitCode 3\nErrorMessage ""\nCommand "/usr/bin/python3 train.py --epochs 10 --flag True"',
    );
  });

  it("carries the stderr tail from the last traceback, quotes escaped, and quotes the command for a shell", () => {
    const stderr = [
      "warming up",
      "Traceback (most recent call last):",
      '  File "train.py", line 1, in <module>',
      "KeyError: 'x'",
      "During handling of the above exception, another exception occurred:",
      "Traceback (most recent call last):",
      '  File "train.py", line 3, in <module>',
      'ValueError: bad "value"',
      "",
    ].join("\n");
    const report = processFailureReport({
      errorClass: "ExecuteUserScriptError",
      exitCode: 1,
      signal: null,
      stderr,
      command: ["python3", "train.py", "--name", "a b", "--empty", ""],
    });
    expect(report).toBe(
      [
        "ExecuteUserScriptError:",
        "ExitCode 1",
        'ErrorMessage "',
        "Traceback (most recent call last):",
        '  File \\"train.py\\", line 3, in <module>',
        'ValueError: bad \\"value\\""',
        `Command "python3 train.py --name 'a b' --empty ''"`,
      ].join("\n"),
    );
  });

  it("escapes backslashes and quotes so that a field ends at the first unescaped quote", () => {
    const report = processFailureReport({
      errorClass: "ExecuteUserScriptError",
      exitCode: 1,
      signal: null,
      stderr: 'Error: C:\\dir "x" ends with \\',
      command: ["sh", "-c", 'echo "\\"'],
    });
    expect(report).toBe(
      'ExecuteUserScriptError:\nExitCode 1\nErrorMessage "\nError: C:\\\\dir \\"x\\" ends with \\\\"\nCommand "sh -c \'echo \\"\\\\\\"\'"',
    );
  });

  it("adds the OutOfMemory line for exit code 137", () => {
    const report = processFailureReport({
      errorClass: "ExecuteUserScriptError",
      exitCode: normalisedExitCode(null, "SIGKILL"),
      signal: "SIGKILL",
      stderr: "",
      command: ["python3", "train.py"],
    });
    expect(report).toBe(
      'ExecuteUserScriptError:\nExitCode 137\nErrorMessage ""\nExtraInfo "OutOfMemory: Process killed by SIGKILL (signal 9)"\nCommand "python3 train.py"',
    );
  });

  it("names other fatal signals", () => {
    const report = processFailureReport({
      errorClass: "ExecuteUserScriptError",
      exitCode: normalisedExitCode(null, "SIGSEGV"),
      signal: "SIGSEGV",
      stderr: "",
      command: ["./a.out"],
    });
    expect(report).toContain("ExitCode 139\n");
    expect(report).toContain('ExtraInfo "Process killed by SIGSEGV (signal 11)"');
  });

  it("stays within 1024 bytes with a huge stderr and command, keeping the end of stderr and a whole character", () => {
    const stderr = `${"é🎉\"x ".repeat(2000)}\nFinalError: the end "quoted"`;
    const command = ["python3", "train.py", ...Array.from({ length: 500 }, (_, i) => `--arg${i}=välue "${i}"`)];
    const report = processFailureReport({ errorClass: "ExecuteUserScriptError", exitCode: 2, signal: null, stderr, command });
    expect(bytes(report)).toBeLessThanOrEqual(FAILURE_REPORT_MAX_BYTES);
    expect(bytes(report)).toBeGreaterThan(FAILURE_REPORT_MAX_BYTES - 8);
    expect(report).toContain('FinalError: the end \\"quoted\\""\nCommand "python3 train.py');
    expect(report.endsWith('..."')).toBe(true);
    expect(report).not.toContain("\uFFFD");
    expect(report.endsWith("\n")).toBe(false);
    // every quote inside a field is escaped: the unescaped quotes are exactly the fields' delimiters
    expect(report.replaceAll('\\"', "").match(/"/g)?.length).toBe(4);
  });

  it("gives the whole budget to the message when the command is short", () => {
    const stderr = "x".repeat(5000);
    const report = processFailureReport({ errorClass: "InstallRequirementsError", exitCode: 1, signal: null, stderr, command: ["pip"] });
    expect(bytes(report)).toBe(FAILURE_REPORT_MAX_BYTES);
    expect(report.startsWith('InstallRequirementsError:\nExitCode 1\nErrorMessage "\n...xxx')).toBe(true);
  });
});

describe("errorLine", () => {
  it("is a Python traceback's exception line, even when a multi-line message or other lines follow", () => {
    const stderr = [
      "Traceback (most recent call last):",
      '  File "train.py", line 3, in <module>',
      "    import torch",
      "    ^^^^^^^^^^^^",
      "ModuleNotFoundError: No module named 'torch'",
      "second line of the message",
      "",
    ].join("\n");
    expect(errorLine(stderr)).toBe("ModuleNotFoundError: No module named 'torch'");
  });

  it("is the last line naming an error elsewhere (Node, pip), else the last line", () => {
    const node = "file:///code/train.mjs:1\nthrow new TypeError('no data');\n^\n\nTypeError: no data\n    at file:///code/train.mjs:1:7\n\nNode.js v20.20.2\n";
    expect(errorLine(node)).toBe("TypeError: no data");
    expect(errorLine("Collecting x\nERROR: No matching distribution found for x\n")).toBe("ERROR: No matching distribution found for x");
    expect(errorLine("disk full\n  \n")).toBe("disk full");
    expect(errorLine("\n \n")).toBeUndefined();
  });
});

describe("processFailureSummary", () => {
  const failure = { errorClass: "ExecuteUserScriptError" as const, exitCode: 1, signal: null, command: ["python3", "train.py"] };

  it("names the error and points up to the traceback instead of repeating it", () => {
    const stderr = 'Traceback (most recent call last):\n  File "train.py", line 1, in <module>\nValueError: bad\n';
    expect(processFailureSummary({ ...failure, stderr })).toBe("ExecuteUserScriptError: the user program exited with code 1: ValueError: bad (traceback above)");
  });

  it("says when there was no stderr, and what a signal meant", () => {
    expect(processFailureSummary({ ...failure, exitCode: 137, signal: "SIGKILL", stderr: "" })).toBe(
      "ExecuteUserScriptError: the user program exited with code 137 (OutOfMemory: Process killed by SIGKILL (signal 9)); it wrote nothing to stderr",
    );
    expect(processFailureSummary({ ...failure, errorClass: "InstallRequirementsError", stderr: "ERROR: no x\n" })).toBe(
      "InstallRequirementsError: the dependency install exited with code 1: ERROR: no x (its stderr is above)",
    );
  });
});

describe("errorMessageFromStderr", () => {
  it("drops terminal escapes and keeps what a progress bar leaves after its last carriage return", () => {
    expect(errorMessageFromStderr("\u001b[31mred\u001b[0m\n 10%\r 50%\r100%\nError: boom\n\n")).toBe("red\n100%\nError: boom");
  });
});

describe("stoppedReport", () => {
  it("says the run was stopped, and when the program was killed after the grace period", () => {
    expect(stoppedReport({ signal: "SIGTERM" })).toBe('Stopped:\nSignal SIGTERM\nExtraInfo "Stopped before the user program started"');
    expect(stoppedReport({ signal: "SIGTERM", program: { exitCode: 143, command: ["python3", "t.py"] } })).toBe(
      'Stopped:\nSignal SIGTERM\nExitCode 143\nExtraInfo "The user program was sent SIGTERM and exited"\nCommand "python3 t.py"',
    );
    expect(
      stoppedReport({ signal: "SIGINT", program: { exitCode: 137, command: ["sh"], killedAfterSeconds: 120 } }),
    ).toContain('ExtraInfo "The user program did not exit within 120 s of SIGINT and was killed with SIGKILL"');
  });
});

describe("frameworkErrorReport", () => {
  it("is the message after the reference's prefix, bounded", () => {
    expect(frameworkErrorReport("hyperparameters.json: file not found")).toBe("Framework Error: hyperparameters.json: file not found");
    const long = frameworkErrorReport("ü".repeat(2000));
    expect(bytes(long)).toBeLessThanOrEqual(FAILURE_REPORT_MAX_BYTES);
    expect(long.endsWith("...")).toBe(true);
  });
});

describe("fitQuoted", () => {
  it("never splits an escape", () => {
    for (const ch of ['"', "\\"]) {
      for (let max = 4; max < 20; max++) {
        const start = fitQuoted(ch.repeat(30), max, "start");
        const end = fitQuoted(ch.repeat(30), max, "end");
        expect(bytes(start)).toBeLessThanOrEqual(max);
        expect(bytes(end)).toBeLessThanOrEqual(max);
        expect(start.replaceAll(`\\${ch}`, "")).toBe("...");
        expect(end.replaceAll(`\\${ch}`, "")).toBe("...");
      }
    }
  });
});
