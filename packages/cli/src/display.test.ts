import { describe, expect, it } from "vitest";
import type { TrainingJob } from "./connection.js";
import { colourEnabled, formatDuration, hostOfStream, jobSummary, logLine, style, transitionLine } from "./display.js";

describe("colour", () => {
  it("only on a TTY, never with NO_COLOR (unless empty) or a dumb terminal", () => {
    expect(colourEnabled({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ write: () => true, isTTY: false }, {})).toBe(false);
    expect(colourEnabled({ write: () => true }, {})).toBe(false);
    expect(colourEnabled({ write: () => true, isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled({ write: () => true, isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(colourEnabled({ write: () => true, isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(style(true).red("x")).toBe("\x1b[31mx\x1b[39m");
    expect(style(false).red("x")).toBe("x");
  });
});

describe("formatting", () => {
  it("durations, hosts, lines", () => {
    expect([0.04, 9.96, 12.4, 65, 3725].map(formatDuration)).toEqual(["0.0 s", "10.0 s", "12 s", "1 min 5 s", "1 h 2 min"]);
    expect(hostOfStream("job-1/algo-2-1700000000")).toBe("algo-2");
    const plain = style(false);
    expect(logLine(plain, "algo-1", "epoch=1")).toBe("[algo-1] epoch=1\n");
    expect(logLine(style(true), "algo-1", "[optml-train] copying")).toBe("\x1b[2m[algo-1]\x1b[22m \x1b[2m[optml-train] copying\x1b[22m\n");
    expect(transitionLine(plain, new Date(2024, 0, 1, 9, 5, 7), "Training", "Training in progress.")).toBe("09:05:07 Training     Training in progress.\n");
  });

  it("summarizes an ended job: status, duration, failure, metrics, artifacts", () => {
    const job: TrainingJob = {
      TrainingJobName: "j1",
      TrainingJobStatus: "Failed",
      SecondaryStatus: "Failed",
      CreationTime: new Date(1000_000),
      TrainingStartTime: new Date(1001_000),
      TrainingEndTime: new Date(1004_500),
      FailureReason: 'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\nErrorMessage "\nTraceback (most recent call last):\n  File \\"t.py\\", line 1\nValueError: no"\nCommand "python3 t.py"',
      FinalMetricDataList: [
        { MetricName: "loss", Value: 0.25 },
        { MetricName: "validation:accuracy", Value: 0.875 },
      ],
      ModelArtifacts: { S3ModelArtifacts: "s3://bucket/out/j1/output/model.tar.gz" },
    } as TrainingJob;
    expect(jobSummary(style(false), job)).toBe(
      [
        "Failed j1 in 4.5 s (training 3.5 s)",
        "  Failure reason: AlgorithmError: ExecuteUserScriptError: exit code 1",
        "    ValueError: no",
        "    Command: python3 t.py",
        "    (in full: the log above, or optml describe j1)",
        "  Final metrics:",
        "    loss                 0.25",
        "    validation:accuracy  0.875",
        "  Model:  s3://bucket/out/j1/output/model.tar.gz",
        "",
      ].join("\n"),
    );
  });
});
